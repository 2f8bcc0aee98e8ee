package dev.atlas.diskmap.nvme;

/**
 * Named offsets of the 64-byte NVMe submission queue entry (NVMe 1.4, figure 105 "Common
 * Command Format"), all fields little-endian.
 *
 * <pre>
 *   0  CDW0: opcode (8) | flags: FUSE 1:0, PSDT 7:6 (8) | command identifier (16)
 *   4  NSID
 *   8  CDW2, 12 CDW3
 *  16  MPTR (metadata pointer, 64)
 *  24  PRP1 (64), 32 PRP2 (64)       data pointer
 *  40  CDW10 .. 60 CDW15             command specific
 * </pre>
 * For read and write, CDW10-11 hold the 64-bit starting LBA and CDW12 bits 15:0 the number
 * of logical blocks, zero-based.
 */
public final class NvmeCommandDescriptor {
    public static final int OPCODE_OFFSET = 0;
    public static final int FLAGS_OFFSET = 1;
    public static final int COMMAND_ID_OFFSET = 2;
    public static final int NAMESPACE_ID_OFFSET = 4;
    public static final int CDW2_OFFSET = 8;
    public static final int CDW3_OFFSET = 12;
    public static final int METADATA_POINTER_OFFSET = 16;
    public static final int PRP1_OFFSET = 24;
    public static final int PRP2_OFFSET = 32;
    public static final int CDW10_OFFSET = 40;
    public static final int CDW11_OFFSET = 44;
    public static final int CDW12_OFFSET = 48;
    public static final int CDW13_OFFSET = 52;
    public static final int CDW14_OFFSET = 56;
    public static final int CDW15_OFFSET = 60;

    /** Size of one submission queue entry. */
    public static final int LENGTH = 64;

    /** Read/write: starting LBA spans CDW10 (low) and CDW11 (high). */
    public static final int STARTING_LBA_OFFSET = CDW10_OFFSET;
    /** Read/write: CDW12 bits 15:0 hold the block count minus one. */
    public static final int NUMBER_OF_BLOCKS_MASK = 0xFFFF;
    /** The most blocks one read or write can carry (a zero-based 16-bit count). */
    public static final int MAX_BLOCKS_PER_COMMAND = NUMBER_OF_BLOCKS_MASK + 1;

    /** Flags bits 1:0: fused operation; 0 = normal. */
    public static final int FLAGS_FUSE_MASK = 0x03;
    /** Flags bits 7:6: PRP or SGL data transfer; 0 = PRPs. */
    public static final int FLAGS_PSDT_MASK = 0xC0;

    private NvmeCommandDescriptor() {}
}
