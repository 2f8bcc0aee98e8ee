package dev.atlas.catalogue.format;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** The descriptors' named offsets agree with a MemoryLayout of the same structures. */
class LayoutTest {

    private static final StructLayout SUPERBLOCK = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("magic"),
            ValueLayout.JAVA_INT.withName("version"),
            ValueLayout.JAVA_INT.withName("blockSize"),
            ValueLayout.JAVA_LONG.withName("setUuidMsb"),
            ValueLayout.JAVA_LONG.withName("setUuidLsb"),
            ValueLayout.JAVA_LONG.withName("deviceUuidMsb"),
            ValueLayout.JAVA_LONG.withName("deviceUuidLsb"),
            ValueLayout.JAVA_LONG.withName("generation"),
            ValueLayout.JAVA_INT.withName("deviceIndex"),
            ValueLayout.JAVA_INT.withName("deviceCount"),
            ValueLayout.JAVA_LONG.withName("deviceBlocks"),
            ValueLayout.JAVA_LONG.withName("indexLba"),
            ValueLayout.JAVA_LONG.withName("indexBytes"),
            ValueLayout.JAVA_INT.withName("indexEntries"),
            ValueLayout.JAVA_INT.withName("indexCrc"),
            ValueLayout.JAVA_LONG.withName("commitTime"),
            MemoryLayout.sequenceLayout(20, ValueLayout.JAVA_BYTE).withName("reserved"),
            ValueLayout.JAVA_INT.withName("crc"));

    private static final StructLayout INDEX_HEADER = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("magic"),
            ValueLayout.JAVA_INT.withName("version"),
            ValueLayout.JAVA_INT.withName("entryCount"),
            ValueLayout.JAVA_LONG.withName("generation"),
            ValueLayout.JAVA_LONG.withName("setUuidMsb"),
            ValueLayout.JAVA_LONG.withName("setUuidLsb"),
            ValueLayout.JAVA_LONG.withName("length"),
            MemoryLayout.sequenceLayout(16, ValueLayout.JAVA_BYTE).withName("reserved"));

    private static final StructLayout ENTRY = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("entryLength"),
            ValueLayout.JAVA_SHORT.withName("nameLength"),
            ValueLayout.JAVA_SHORT.withName("contentTypeLength"),
            ValueLayout.JAVA_SHORT.withName("etagLength"),
            ValueLayout.JAVA_SHORT.withName("flags"),
            ValueLayout.JAVA_INT.withName("device"),
            ValueLayout.JAVA_LONG.withName("firstLba"),
            ValueLayout.JAVA_LONG.withName("byteLength"),
            ValueLayout.JAVA_LONG.withName("mtime"),
            MemoryLayout.sequenceLayout(32, ValueLayout.JAVA_BYTE).withName("sha256"));

    private static long offset(StructLayout layout, String field) {
        return layout.byteOffset(groupElement(field));
    }

    @Test
    void superblockOffsets() {
        assertEquals(SuperblockDescriptor.MAGIC_OFFSET, offset(SUPERBLOCK, "magic"));
        assertEquals(SuperblockDescriptor.VERSION_OFFSET, offset(SUPERBLOCK, "version"));
        assertEquals(SuperblockDescriptor.BLOCK_SIZE_OFFSET, offset(SUPERBLOCK, "blockSize"));
        assertEquals(SuperblockDescriptor.SET_UUID_MSB_OFFSET, offset(SUPERBLOCK, "setUuidMsb"));
        assertEquals(SuperblockDescriptor.SET_UUID_LSB_OFFSET, offset(SUPERBLOCK, "setUuidLsb"));
        assertEquals(SuperblockDescriptor.DEVICE_UUID_MSB_OFFSET, offset(SUPERBLOCK, "deviceUuidMsb"));
        assertEquals(SuperblockDescriptor.DEVICE_UUID_LSB_OFFSET, offset(SUPERBLOCK, "deviceUuidLsb"));
        assertEquals(SuperblockDescriptor.GENERATION_OFFSET, offset(SUPERBLOCK, "generation"));
        assertEquals(SuperblockDescriptor.DEVICE_INDEX_OFFSET, offset(SUPERBLOCK, "deviceIndex"));
        assertEquals(SuperblockDescriptor.DEVICE_COUNT_OFFSET, offset(SUPERBLOCK, "deviceCount"));
        assertEquals(SuperblockDescriptor.DEVICE_BLOCKS_OFFSET, offset(SUPERBLOCK, "deviceBlocks"));
        assertEquals(SuperblockDescriptor.INDEX_LBA_OFFSET, offset(SUPERBLOCK, "indexLba"));
        assertEquals(SuperblockDescriptor.INDEX_BYTES_OFFSET, offset(SUPERBLOCK, "indexBytes"));
        assertEquals(SuperblockDescriptor.INDEX_ENTRIES_OFFSET, offset(SUPERBLOCK, "indexEntries"));
        assertEquals(SuperblockDescriptor.INDEX_CRC_OFFSET, offset(SUPERBLOCK, "indexCrc"));
        assertEquals(SuperblockDescriptor.COMMIT_TIME_OFFSET, offset(SUPERBLOCK, "commitTime"));
        assertEquals(SuperblockDescriptor.RESERVED_OFFSET, offset(SUPERBLOCK, "reserved"));
        assertEquals(
                SuperblockDescriptor.RESERVED_LENGTH,
                SUPERBLOCK.select(groupElement("reserved")).byteSize());
        assertEquals(SuperblockDescriptor.CRC_OFFSET, offset(SUPERBLOCK, "crc"));
        assertEquals(SuperblockDescriptor.LENGTH, SUPERBLOCK.byteSize());
    }

    @Test
    void indexHeaderOffsets() {
        assertEquals(IndexDescriptor.MAGIC_OFFSET, offset(INDEX_HEADER, "magic"));
        assertEquals(IndexDescriptor.VERSION_OFFSET, offset(INDEX_HEADER, "version"));
        assertEquals(IndexDescriptor.ENTRY_COUNT_OFFSET, offset(INDEX_HEADER, "entryCount"));
        assertEquals(IndexDescriptor.GENERATION_OFFSET, offset(INDEX_HEADER, "generation"));
        assertEquals(IndexDescriptor.SET_UUID_MSB_OFFSET, offset(INDEX_HEADER, "setUuidMsb"));
        assertEquals(IndexDescriptor.SET_UUID_LSB_OFFSET, offset(INDEX_HEADER, "setUuidLsb"));
        assertEquals(IndexDescriptor.LENGTH_OFFSET, offset(INDEX_HEADER, "length"));
        assertEquals(IndexDescriptor.RESERVED_OFFSET, offset(INDEX_HEADER, "reserved"));
        assertEquals(
                IndexDescriptor.RESERVED_LENGTH,
                INDEX_HEADER.select(groupElement("reserved")).byteSize());
        assertEquals(IndexDescriptor.HEADER_LENGTH, INDEX_HEADER.byteSize());
    }

    @Test
    void indexEntryOffsets() {
        assertEquals(IndexEntryDescriptor.ENTRY_LENGTH_OFFSET, offset(ENTRY, "entryLength"));
        assertEquals(IndexEntryDescriptor.NAME_LENGTH_OFFSET, offset(ENTRY, "nameLength"));
        assertEquals(IndexEntryDescriptor.CONTENT_TYPE_LENGTH_OFFSET, offset(ENTRY, "contentTypeLength"));
        assertEquals(IndexEntryDescriptor.ETAG_LENGTH_OFFSET, offset(ENTRY, "etagLength"));
        assertEquals(IndexEntryDescriptor.FLAGS_OFFSET, offset(ENTRY, "flags"));
        assertEquals(IndexEntryDescriptor.DEVICE_OFFSET, offset(ENTRY, "device"));
        assertEquals(IndexEntryDescriptor.FIRST_LBA_OFFSET, offset(ENTRY, "firstLba"));
        assertEquals(IndexEntryDescriptor.BYTE_LENGTH_OFFSET, offset(ENTRY, "byteLength"));
        assertEquals(IndexEntryDescriptor.MTIME_OFFSET, offset(ENTRY, "mtime"));
        assertEquals(IndexEntryDescriptor.SHA256_OFFSET, offset(ENTRY, "sha256"));
        assertEquals(
                IndexEntryDescriptor.SHA256_LENGTH,
                ENTRY.select(groupElement("sha256")).byteSize());
        assertEquals(IndexEntryDescriptor.FIXED_LENGTH, ENTRY.byteSize());
        assertEquals(0, IndexEntryDescriptor.FIXED_LENGTH % IndexEntryDescriptor.ALIGNMENT);
    }

    @Test
    void magicsSpellTheirNamesOnDisk() {
        final java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(
                "ATLASCAT",
                new String(
                        b.putLong(0, SuperblockDescriptor.MAGIC).array(), java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(
                "ATLASIDX",
                new String(b.putLong(0, IndexDescriptor.MAGIC).array(), java.nio.charset.StandardCharsets.US_ASCII));
    }
}
