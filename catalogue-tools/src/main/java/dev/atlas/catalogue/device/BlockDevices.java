package dev.atlas.catalogue.device;

/** The device opener the tools and the server use by default. */
public final class BlockDevices {

    private BlockDevices() {}

    /** Opens image files and block devices through diskmap-java's {@code file} transport (io_uring, O_DIRECT). */
    public static BlockDeviceOpener defaultOpener() {
        return DiskmapBlockDevice::open;
    }
}
