package dev.atlas.catalogue.format;

/**
 * Layout of the catalogue index: a header of {@link #HEADER_LENGTH} bytes, then
 * {@code entryCount} variable-length entries (see {@link IndexEntryDescriptor}), each starting
 * on an 8-byte boundary. The index lives in one contiguous extent on device 0; its length and
 * CRC32C are recorded in the superblock that commits it.
 *
 * <pre>
 *   0 magic "ATLASIDX"   8 version   12 entry count   16 generation
 *  24 set UUID (msb, lsb)           40 total length in bytes   48 reserved (zero)
 * </pre>
 */
public final class IndexDescriptor {

    /** "ATLASIDX" read as a little-endian long. */
    public static final long MAGIC = 0x5844_4953_414C_5441L;

    public static final int FORMAT_VERSION = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int ENTRY_COUNT_OFFSET = 12;
    public static final int GENERATION_OFFSET = 16;
    public static final int SET_UUID_MSB_OFFSET = 24;
    public static final int SET_UUID_LSB_OFFSET = 32;
    public static final int LENGTH_OFFSET = 40;
    public static final int RESERVED_OFFSET = 48;
    public static final int RESERVED_LENGTH = 16;
    public static final int HEADER_LENGTH = 64;

    private IndexDescriptor() {}
}
