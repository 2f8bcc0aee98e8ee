package dev.atlas.diskmap.nvme;

/**
 * Named offsets of the 16-byte NVMe completion queue entry (NVMe 1.4, figure 124), all
 * fields little-endian, and the bit positions of its 16-bit status field.
 *
 * <pre>
 *   0  DW0 (command specific), 4 DW1 (reserved)
 *   8  SQ head pointer (16) | 10 SQ identifier (16)
 *  12  command identifier (16) | 14 status field (16):
 *        bit 0 phase tag, 8:1 status code, 11:9 status code type, 13:12 CRD, 14 more, 15 DNR
 * </pre>
 * The driver passes the status field shifted right by one (phase dropped) as its "status"
 * integer, as Linux does: 0 means success; see {@link NvmeStatus}.
 */
public final class NvmeCompletionDescriptor {
    public static final int DW0_OFFSET = 0;
    public static final int DW1_OFFSET = 4;
    public static final int SQ_HEAD_OFFSET = 8;
    public static final int SQ_ID_OFFSET = 10;
    public static final int COMMAND_ID_OFFSET = 12;
    public static final int STATUS_OFFSET = 14;

    /** Size of one completion queue entry. */
    public static final int LENGTH = 16;

    /** Status field bit 0: flips each time the controller wraps around the queue. */
    public static final int PHASE_TAG_BIT = 0x1;
    /** Status field without the phase tag, as the driver reports it. */
    public static final int STATUS_SHIFT = 1;

    private NvmeCompletionDescriptor() {}
}
