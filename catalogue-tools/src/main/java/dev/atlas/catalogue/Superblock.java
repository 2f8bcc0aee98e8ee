package dev.atlas.catalogue;

import dev.atlas.catalogue.format.SuperblockDescriptor;
import dev.atlas.catalogue.format.SuperblockFlyweight;
import java.lang.foreign.MemorySegment;
import java.util.UUID;

/**
 * A decoded, checksum-verified superblock. Device 0's winning superblock is the commit record
 * of the whole set: it names the index; the other devices' superblocks only prove membership
 * (each member keeps the same superblock in both slots, so one damaged block is survivable).
 * A commit writes device 0's newest generation into both slots, each naming its own copy of the
 * index, so no slot of a formatted device is ever legitimately blank.
 */
public record Superblock(
        int blockSize,
        UUID setUuid,
        UUID deviceUuid,
        long generation,
        int deviceIndex,
        int deviceCount,
        long deviceBlocks,
        long indexLba,
        long indexBytes,
        int indexEntries,
        int indexCrc,
        long commitTimeMillis) {

    /** Most devices in one set; a bound that keeps fuzzed headers from asking for absurd sets. */
    public static final int MAX_DEVICES = 64;

    /** Writes this superblock into a zeroed block and seals its checksum. */
    public void encode(MemorySegment block) {
        block.fill((byte) 0);
        new SuperblockFlyweight()
                .wrap(block)
                .magic(SuperblockDescriptor.MAGIC)
                .version(SuperblockDescriptor.FORMAT_VERSION)
                .blockSize(blockSize)
                .setUuid(setUuid)
                .deviceUuid(deviceUuid)
                .generation(generation)
                .deviceIndex(deviceIndex)
                .deviceCount(deviceCount)
                .deviceBlocks(deviceBlocks)
                .indexLba(indexLba)
                .indexBytes(indexBytes)
                .indexEntries(indexEntries)
                .indexCrc(indexCrc)
                .commitTimeMillis(commitTimeMillis)
                .sealCrc();
    }

    /**
     * Decodes and validates one superblock slot.
     *
     * @throws CatalogueFormatException saying what is wrong with the slot
     */
    public static Superblock decode(MemorySegment block) {
        final SuperblockFlyweight sb = new SuperblockFlyweight().wrap(block);
        if (sb.magic() != SuperblockDescriptor.MAGIC) {
            throw new CatalogueFormatException("no catalogue superblock (magic missing)");
        }
        if (sb.crc() != sb.computeCrc()) {
            throw new CatalogueFormatException("superblock checksum mismatch (torn or damaged write)");
        }
        if (sb.version() != SuperblockDescriptor.FORMAT_VERSION) {
            throw new CatalogueFormatException("unsupported catalogue format version " + sb.version()
                    + " (this tool reads version " + SuperblockDescriptor.FORMAT_VERSION + ")");
        }
        if (sb.blockSize() != CatalogueLayout.BLOCK_SIZE) {
            throw new CatalogueFormatException("unsupported block size " + sb.blockSize());
        }
        if (sb.deviceCount() < 1
                || sb.deviceCount() > MAX_DEVICES
                || sb.deviceIndex() < 0
                || sb.deviceIndex() >= sb.deviceCount()) {
            throw new CatalogueFormatException(
                    "device " + sb.deviceIndex() + " of " + sb.deviceCount() + " is not a valid position in a set");
        }
        if (sb.generation() < 1) {
            throw new CatalogueFormatException("invalid generation " + sb.generation());
        }
        if (sb.deviceBlocks() < CatalogueLayout.MIN_DEVICE_BLOCKS) {
            throw new CatalogueFormatException("device size of " + sb.deviceBlocks() + " blocks is too small");
        }
        final boolean primary = sb.deviceIndex() == 0;
        if (primary) {
            final long indexBlocks = (sb.indexBytes() + sb.blockSize() - 1) / sb.blockSize();
            if (sb.indexBytes() < CatalogueLayout.INDEX_HEADER_BYTES
                    || sb.indexBytes() > CatalogueLayout.MAX_INDEX_BYTES
                    || sb.indexLba() < SuperblockDescriptor.FIRST_DATA_LBA
                    || sb.indexLba() > sb.deviceBlocks() - indexBlocks
                    || sb.indexEntries() < 0) {
                throw new CatalogueFormatException("index location (LBA " + sb.indexLba() + ", " + sb.indexBytes()
                        + " bytes) lies outside the device");
            }
        }
        return new Superblock(
                sb.blockSize(),
                sb.setUuid(),
                sb.deviceUuid(),
                sb.generation(),
                sb.deviceIndex(),
                sb.deviceCount(),
                sb.deviceBlocks(),
                sb.indexLba(),
                sb.indexBytes(),
                sb.indexEntries(),
                sb.indexCrc(),
                sb.commitTimeMillis());
    }

    public long indexBlocks() {
        return (indexBytes + blockSize - 1) / blockSize;
    }

    /** The superblock that commits a new index as {@code newGeneration} (higher than any on the device). */
    public Superblock nextGeneration(
            long newGeneration, long newIndexLba, long newIndexBytes, int entries, int crc, long nowMillis) {
        return new Superblock(
                blockSize,
                setUuid,
                deviceUuid,
                newGeneration,
                deviceIndex,
                deviceCount,
                deviceBlocks,
                newIndexLba,
                newIndexBytes,
                entries,
                crc,
                nowMillis);
    }

    /** True when {@code other} is a superblock of the same device of the same set. */
    public boolean sameDeviceAs(Superblock other) {
        return setUuid.equals(other.setUuid) && deviceIndex == other.deviceIndex;
    }
}
