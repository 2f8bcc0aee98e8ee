package dev.atlas.catalogue.format;

import static dev.atlas.catalogue.format.SuperblockDescriptor.*;

import java.lang.foreign.MemorySegment;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * Reads and writes the fields of one superblock in place, over a segment of at least
 * {@link SuperblockDescriptor#LENGTH} bytes (a device block in a DMA buffer).
 */
public final class SuperblockFlyweight {

    private MemorySegment segment;

    public SuperblockFlyweight wrap(MemorySegment segment) {
        if (segment.byteSize() < LENGTH) {
            throw new IllegalArgumentException("superblock needs " + LENGTH + " bytes, got " + segment.byteSize());
        }
        this.segment = segment;
        return this;
    }

    public MemorySegment segment() {
        return segment;
    }

    public long magic() {
        return segment.get(Le.LONG, MAGIC_OFFSET);
    }

    public SuperblockFlyweight magic(long value) {
        segment.set(Le.LONG, MAGIC_OFFSET, value);
        return this;
    }

    public int version() {
        return segment.get(Le.INT, VERSION_OFFSET);
    }

    public SuperblockFlyweight version(int value) {
        segment.set(Le.INT, VERSION_OFFSET, value);
        return this;
    }

    public int blockSize() {
        return segment.get(Le.INT, BLOCK_SIZE_OFFSET);
    }

    public SuperblockFlyweight blockSize(int value) {
        segment.set(Le.INT, BLOCK_SIZE_OFFSET, value);
        return this;
    }

    public UUID setUuid() {
        return new UUID(segment.get(Le.LONG, SET_UUID_MSB_OFFSET), segment.get(Le.LONG, SET_UUID_LSB_OFFSET));
    }

    public SuperblockFlyweight setUuid(UUID value) {
        segment.set(Le.LONG, SET_UUID_MSB_OFFSET, value.getMostSignificantBits());
        segment.set(Le.LONG, SET_UUID_LSB_OFFSET, value.getLeastSignificantBits());
        return this;
    }

    public UUID deviceUuid() {
        return new UUID(segment.get(Le.LONG, DEVICE_UUID_MSB_OFFSET), segment.get(Le.LONG, DEVICE_UUID_LSB_OFFSET));
    }

    public SuperblockFlyweight deviceUuid(UUID value) {
        segment.set(Le.LONG, DEVICE_UUID_MSB_OFFSET, value.getMostSignificantBits());
        segment.set(Le.LONG, DEVICE_UUID_LSB_OFFSET, value.getLeastSignificantBits());
        return this;
    }

    public long generation() {
        return segment.get(Le.LONG, GENERATION_OFFSET);
    }

    public SuperblockFlyweight generation(long value) {
        segment.set(Le.LONG, GENERATION_OFFSET, value);
        return this;
    }

    public int deviceIndex() {
        return segment.get(Le.INT, DEVICE_INDEX_OFFSET);
    }

    public SuperblockFlyweight deviceIndex(int value) {
        segment.set(Le.INT, DEVICE_INDEX_OFFSET, value);
        return this;
    }

    public int deviceCount() {
        return segment.get(Le.INT, DEVICE_COUNT_OFFSET);
    }

    public SuperblockFlyweight deviceCount(int value) {
        segment.set(Le.INT, DEVICE_COUNT_OFFSET, value);
        return this;
    }

    public long deviceBlocks() {
        return segment.get(Le.LONG, DEVICE_BLOCKS_OFFSET);
    }

    public SuperblockFlyweight deviceBlocks(long value) {
        segment.set(Le.LONG, DEVICE_BLOCKS_OFFSET, value);
        return this;
    }

    public long indexLba() {
        return segment.get(Le.LONG, INDEX_LBA_OFFSET);
    }

    public SuperblockFlyweight indexLba(long value) {
        segment.set(Le.LONG, INDEX_LBA_OFFSET, value);
        return this;
    }

    public long indexBytes() {
        return segment.get(Le.LONG, INDEX_BYTES_OFFSET);
    }

    public SuperblockFlyweight indexBytes(long value) {
        segment.set(Le.LONG, INDEX_BYTES_OFFSET, value);
        return this;
    }

    public int indexEntries() {
        return segment.get(Le.INT, INDEX_ENTRIES_OFFSET);
    }

    public SuperblockFlyweight indexEntries(int value) {
        segment.set(Le.INT, INDEX_ENTRIES_OFFSET, value);
        return this;
    }

    public int indexCrc() {
        return segment.get(Le.INT, INDEX_CRC_OFFSET);
    }

    public SuperblockFlyweight indexCrc(int value) {
        segment.set(Le.INT, INDEX_CRC_OFFSET, value);
        return this;
    }

    public long commitTimeMillis() {
        return segment.get(Le.LONG, COMMIT_TIME_OFFSET);
    }

    public SuperblockFlyweight commitTimeMillis(long value) {
        segment.set(Le.LONG, COMMIT_TIME_OFFSET, value);
        return this;
    }

    public int crc() {
        return segment.get(Le.INT, CRC_OFFSET);
    }

    /** CRC32C of the bytes the superblock's own checksum covers. */
    public int computeCrc() {
        final CRC32C crc = new CRC32C();
        crc.update(segment.asSlice(0, CRC_OFFSET).asByteBuffer());
        return (int) crc.getValue();
    }

    /** Seals the superblock: stores {@link #computeCrc()} in the checksum field. */
    public SuperblockFlyweight sealCrc() {
        segment.set(Le.INT, CRC_OFFSET, computeCrc());
        return this;
    }
}
