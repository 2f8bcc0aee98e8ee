package dev.atlas.catalogue;

import dev.atlas.catalogue.device.BlockDevice;
import dev.atlas.catalogue.device.BlockDeviceOpener;
import dev.atlas.catalogue.device.BlockDevices;
import dev.atlas.catalogue.device.DeviceLock;
import dev.atlas.catalogue.error.CatalogueException;
import dev.atlas.catalogue.format.SuperblockDescriptor;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Writes an empty catalogue over a set of devices: device {@code i} of the set is the
 * {@code i}-th path given. Members get their superblock first and device 0 last, because
 * device 0's superblock is what makes the set a catalogue.
 */
public final class CatalogueFormatter {

    private static final long FIRST_GENERATION = 1;

    private CatalogueFormatter() {}

    public static UUID format(List<Path> paths, boolean force) {
        return format(paths, force, BlockDevices.defaultOpener());
    }

    /**
     * @param force erase devices that already hold a catalogue
     * @return the new set's UUID
     */
    public static UUID format(List<Path> paths, boolean force, BlockDeviceOpener opener) {
        if (paths.isEmpty()) {
            throw new CatalogueException("no devices given; name each device with --device PATH");
        }
        if (paths.size() > Superblock.MAX_DEVICES) {
            throw new CatalogueException("a catalogue set holds at most " + Superblock.MAX_DEVICES + " devices");
        }
        final Set<Path> distinct = new HashSet<>();
        for (Path p : paths) {
            if (!distinct.add(p.toAbsolutePath().normalize())) {
                throw new CatalogueException(p + " is named twice; name each device once");
            }
        }
        try (DeviceLock lock = DeviceLock.acquire(paths, DeviceLock.Mode.EXCLUSIVE)) {
            final List<BlockDevice> devices = new ArrayList<>();
            try {
                for (Path p : paths) {
                    devices.add(opener.open(p));
                }
                final List<MemorySegment> buffers = new ArrayList<>();
                for (BlockDevice d : devices) {
                    if (d.blockCount() < CatalogueLayout.MIN_DEVICE_BLOCKS) {
                        throw new CatalogueException(d.path() + " is too small for a catalogue ("
                                + Sizes.human(d.blockCount() * d.blockSize()) + "; at least "
                                + Sizes.human(CatalogueLayout.MIN_DEVICE_BLOCKS * CatalogueLayout.BLOCK_SIZE) + ")");
                    }
                    final MemorySegment buffer =
                            d.allocateBuffer((long) SuperblockDescriptor.SLOT_COUNT * d.blockSize());
                    buffers.add(buffer);
                    final Superblock existing = SuperblockSlots.read(d, buffer).winner();
                    if (existing != null && !force) {
                        throw new CatalogueException(d.path() + " already holds an Atlas catalogue (set "
                                + existing.setUuid() + ", generation " + existing.generation()
                                + "); formatting erases it — add --force if that is what you want");
                    }
                }
                final UUID setUuid = UUID.randomUUID();
                final long now = System.currentTimeMillis();
                for (int i = devices.size() - 1; i >= 0; i--) {
                    writeDevice(devices.get(i), buffers.get(i), i, devices.size(), setUuid, now);
                }
                return setUuid;
            } finally {
                for (BlockDevice d : devices) {
                    d.close();
                }
            }
        }
    }

    private static void writeDevice(
            BlockDevice device, MemorySegment buffer, int index, int count, UUID setUuid, long now) {
        final int blockSize = device.blockSize();
        // Erase both slots first so no superblock of an earlier catalogue can outrank the new one.
        buffer.fill((byte) 0);
        device.write(0, buffer.asSlice(0, (long) SuperblockDescriptor.SLOT_COUNT * blockSize));
        device.flush();
        final UUID deviceUuid = UUID.randomUUID();
        final MemorySegment block = buffer.asSlice(0, blockSize);
        if (index == 0) {
            // Device 0 names an empty generation 1 from both slots, each with its own index block,
            // as every commit will: a slot that is not valid later is damage, never "unused".
            final MemorySegment empty = IndexCodec.encode(FIRST_GENERATION, setUuid, List.of());
            final Superblock[] superblocks = new Superblock[SuperblockDescriptor.SLOT_COUNT];
            for (int slot = 0; slot < superblocks.length; slot++) {
                final long indexLba = SuperblockDescriptor.FIRST_DATA_LBA + slot;
                block.fill((byte) 0);
                MemorySegment.copy(empty, 0, block, 0, empty.byteSize());
                device.write(indexLba, block);
                superblocks[slot] = new Superblock(
                        blockSize,
                        setUuid,
                        deviceUuid,
                        FIRST_GENERATION,
                        index,
                        count,
                        device.blockCount(),
                        indexLba,
                        empty.byteSize(),
                        0,
                        IndexCodec.crc(empty, empty.byteSize()),
                        now);
            }
            device.flush();
            for (int slot = 0; slot < superblocks.length; slot++) {
                superblocks[slot].encode(block);
                device.write(slot, block);
            }
        } else {
            // A member's superblock never changes after format: both slots hold the same copy.
            final Superblock sb = new Superblock(
                    blockSize,
                    setUuid,
                    deviceUuid,
                    FIRST_GENERATION,
                    index,
                    count,
                    device.blockCount(),
                    0,
                    0,
                    0,
                    0,
                    now);
            for (int slot = 0; slot < SuperblockDescriptor.SLOT_COUNT; slot++) {
                sb.encode(block);
                device.write(slot, block);
            }
        }
        device.flush();
    }
}
