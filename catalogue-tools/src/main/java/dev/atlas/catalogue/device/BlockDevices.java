package dev.atlas.catalogue.device;

/** The device opener the tools and the server use by default. */
public final class BlockDevices {

    private BlockDevices() {
    }

    /** Opens image files and block devices with direct I/O. */
    public static BlockDeviceOpener defaultOpener() {
        return DirectChannelBlockDevice::open;
    }
}
