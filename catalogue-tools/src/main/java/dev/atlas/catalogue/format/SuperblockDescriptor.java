package dev.atlas.catalogue.format;

/**
 * Layout of a catalogue superblock: the first {@link #LENGTH} bytes of block 0 and of block 1
 * of every device in a set, little-endian. The rest of the block is zero.
 *
 * <pre>
 *   0 magic "ATLASCAT"        8  version          12 block size
 *  16 set UUID (msb, lsb)    32 device UUID (msb, lsb)
 *  48 generation             56 device index     60 device count
 *  64 device size in blocks  72 index first LBA  80 index length in bytes
 *  88 index entry count      92 index CRC32C     96 commit time (epoch ms)
 * 104 reserved (zero)       124 CRC32C of bytes [0, 124)
 * </pre>
 */
public final class SuperblockDescriptor {

    /** "ATLASCAT" read as a little-endian long. */
    public static final long MAGIC = 0x5441_4353_414C_5441L;

    public static final int FORMAT_VERSION = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int BLOCK_SIZE_OFFSET = 12;
    public static final int SET_UUID_MSB_OFFSET = 16;
    public static final int SET_UUID_LSB_OFFSET = 24;
    public static final int DEVICE_UUID_MSB_OFFSET = 32;
    public static final int DEVICE_UUID_LSB_OFFSET = 40;
    public static final int GENERATION_OFFSET = 48;
    public static final int DEVICE_INDEX_OFFSET = 56;
    public static final int DEVICE_COUNT_OFFSET = 60;
    public static final int DEVICE_BLOCKS_OFFSET = 64;
    public static final int INDEX_LBA_OFFSET = 72;
    public static final int INDEX_BYTES_OFFSET = 80;
    public static final int INDEX_ENTRIES_OFFSET = 88;
    public static final int INDEX_CRC_OFFSET = 92;
    public static final int COMMIT_TIME_OFFSET = 96;
    public static final int RESERVED_OFFSET = 104;
    public static final int RESERVED_LENGTH = 20;
    public static final int CRC_OFFSET = 124;
    public static final int LENGTH = 128;

    /** Superblock slots are blocks 0 and 1; generation g lives in slot {@code g & 1}. */
    public static final int SLOT_COUNT = 2;
    /** The first block a file or index extent may use. */
    public static final long FIRST_DATA_LBA = SLOT_COUNT;

    private SuperblockDescriptor() {}

    /** Which slot (block) holds the superblock of a generation. */
    public static int slotOf(long generation) {
        return (int) (generation & 1);
    }
}
