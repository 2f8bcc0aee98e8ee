package dev.atlas.catalogue;

import dev.atlas.catalogue.device.BlockDevice;
import dev.atlas.catalogue.device.BlockDeviceOpener;
import dev.atlas.catalogue.error.CatalogueException;
import dev.atlas.catalogue.format.SuperblockDescriptor;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The open devices of one catalogue set, ordered by their index in the set (not by the order
 * the operator named them), with each device's winning superblock. Opening checks that the
 * devices really form one complete set.
 */
public final class DeviceSet implements AutoCloseable {

    private final BlockDevice[] devices;
    private final Superblock[] superblocks;
    private final SuperblockSlots[] slots;
    private final MemorySegment[] transferBuffers;

    private DeviceSet(
            BlockDevice[] devices, Superblock[] superblocks, SuperblockSlots[] slots, MemorySegment[] transferBuffers) {
        this.devices = devices;
        this.superblocks = superblocks;
        this.slots = slots;
        this.transferBuffers = transferBuffers;
    }

    public static DeviceSet open(List<Path> paths, BlockDeviceOpener opener) {
        if (paths.isEmpty()) {
            throw new CatalogueException("no devices given; name each device of the catalogue with --device PATH");
        }
        final List<BlockDevice> opened = new ArrayList<>();
        try {
            final int count = paths.size();
            final BlockDevice[] devices = new BlockDevice[count];
            final Superblock[] superblocks = new Superblock[count];
            final SuperblockSlots[] slots = new SuperblockSlots[count];
            final MemorySegment[] buffers = new MemorySegment[count];
            Superblock first = null;
            for (Path path : paths) {
                final BlockDevice device = opener.open(path);
                opened.add(device);
                if (device.blockCount() < SuperblockDescriptor.SLOT_COUNT) {
                    throw new CatalogueFormatException(path + " is too small to hold a catalogue ("
                            + Sizes.human(sizeOf(path)) + "; even its two superblocks need "
                            + Sizes.human((long) SuperblockDescriptor.SLOT_COUNT * CatalogueLayout.BLOCK_SIZE)
                            + "): check the --device path; if it is a catalogue image, it was truncated");
                }
                final MemorySegment buffer = device.allocateBuffer(CatalogueLayout.TRANSFER_BYTES);
                final SuperblockSlots read = SuperblockSlots.read(device, buffer);
                final Superblock sb = read.winner();
                if (sb == null) {
                    throw new CatalogueFormatException(path + " holds no valid catalogue superblock in either slot ("
                            + read.whyInvalid() + "): if it is a device of a catalogue set, both copies are damaged —"
                            + " restore it from a backup; if it is a new device, check the --device path or format it"
                            + " with `atlas-catalogue format`");
                }
                if (first == null) {
                    first = sb;
                } else if (!sb.setUuid().equals(first.setUuid())) {
                    throw new CatalogueFormatException(path + " belongs to catalogue set " + sb.setUuid() + ", but "
                            + paths.get(0) + " to set " + first.setUuid() + "; give only the devices of one set");
                }
                if (sb.deviceCount() != count) {
                    throw new CatalogueFormatException("the catalogue on " + path + " spans " + sb.deviceCount()
                            + " devices but " + count + " were given; pass every device of the set with --device");
                }
                if (devices[sb.deviceIndex()] != null) {
                    throw new CatalogueFormatException(path + " and " + devices[sb.deviceIndex()].path()
                            + " are both device " + sb.deviceIndex() + " of the set; name each device once");
                }
                if (sb.deviceBlocks() > device.blockCount()) {
                    throw new CatalogueFormatException(
                            path + " has " + device.blockCount() + " blocks but its catalogue" + " was formatted for "
                                    + sb.deviceBlocks() + "; the image was truncated");
                }
                devices[sb.deviceIndex()] = device;
                superblocks[sb.deviceIndex()] = sb;
                slots[sb.deviceIndex()] = read;
                buffers[sb.deviceIndex()] = buffer;
            }
            return new DeviceSet(devices, superblocks, slots, buffers);
        } catch (RuntimeException e) {
            for (BlockDevice d : opened) {
                d.close();
            }
            throw e;
        }
    }

    private static long sizeOf(Path path) {
        try {
            return java.nio.file.Files.size(path);
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    public int deviceCount() {
        return devices.length;
    }

    public BlockDevice device(int index) {
        return devices[index];
    }

    public Superblock superblock(int index) {
        return superblocks[index];
    }

    /** Device 0's winning superblock: the commit record of the set. */
    public Superblock primary() {
        return superblocks[0];
    }

    /**
     * The device's reusable transfer buffer ({@link CatalogueLayout#TRANSFER_BYTES}); one user at a
     * time, as everything here runs on the caller's thread.
     */
    public MemorySegment transferBuffer(int index) {
        return transferBuffers[index];
    }

    public SuperblockSlots slots(int index) {
        return slots[index];
    }

    /** Re-reads device 0's superblocks (another writer may have committed) and returns the winner. */
    public Superblock rereadPrimary() {
        final SuperblockSlots read = SuperblockSlots.read(devices[0], transferBuffers[0]);
        final Superblock sb = read.winner();
        if (sb == null || !sb.setUuid().equals(superblocks[0].setUuid())) {
            throw new CatalogueFormatException(
                    devices[0].path() + " no longer holds this catalogue (" + read.whyInvalid() + ")");
        }
        superblocks[0] = sb;
        slots[0] = read;
        return sb;
    }

    @Override
    public void close() {
        for (BlockDevice d : devices) {
            if (d != null) {
                d.close();
            }
        }
    }
}
