package dev.atlas.diskmap.uring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Flyweight over one {@code struct io_uring_sqe}: 64 bytes, or 128 with IORING_SETUP_SQE128,
 * where the extra 64 bytes extend {@code cmd} (which starts at {@link #CMD_OFFSET}, over
 * addr3) to 80 bytes for URING_CMD. Offsets follow include/uapi/linux/io_uring.h.
 */
public final class SubmissionEntry {
    public static final int SIZE = 64;
    public static final int SIZE_128 = 128;
    public static final int OPCODE_OFFSET = 0;
    public static final int FLAGS_OFFSET = 1;
    public static final int IOPRIO_OFFSET = 2;
    public static final int FD_OFFSET = 4;
    /** {@code off} for reads and writes; {@code cmd_op} (u32) for URING_CMD. */
    public static final int OFF_OFFSET = 8;

    public static final int CMD_OP_OFFSET = 8;
    public static final int ADDR_OFFSET = 16;
    public static final int LEN_OFFSET = 24;
    /** rw_flags / fsync_flags / uring_cmd_flags union. */
    public static final int OP_FLAGS_OFFSET = 28;

    public static final int USER_DATA_OFFSET = 32;
    public static final int BUF_INDEX_OFFSET = 40;
    public static final int PERSONALITY_OFFSET = 42;
    public static final int FILE_INDEX_OFFSET = 44;
    public static final int ADDR3_OFFSET = 48;
    public static final int CMD_OFFSET = 48;
    /** Bytes of inline command: 16 in a 64-byte SQE, 80 in a 128-byte one. */
    public static final int CMD_SIZE_128 = SIZE_128 - CMD_OFFSET;

    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    /** Source for clearing an entry without creating a slice per call. */
    private static final MemorySegment ZEROS = MemorySegment.ofArray(new byte[SIZE_128]);

    private MemorySegment segment;
    private long base;
    private int size;

    /** Points at the entry of {@code entrySize} bytes at {@code offset}. */
    public SubmissionEntry wrap(MemorySegment segment, long offset, int entrySize) {
        this.segment = segment;
        this.base = offset;
        this.size = entrySize;
        return this;
    }

    /** Zeroes the whole entry so no field of a previous request leaks into this one. */
    public SubmissionEntry clear() {
        MemorySegment.copy(ZEROS, 0, segment, base, size);
        return this;
    }

    public MemorySegment segment() {
        return segment;
    }

    public long offset() {
        return base;
    }

    public SubmissionEntry opcode(byte opcode) {
        segment.set(U8, base + OPCODE_OFFSET, opcode);
        return this;
    }

    public byte opcode() {
        return segment.get(U8, base + OPCODE_OFFSET);
    }

    public SubmissionEntry fd(int fd) {
        segment.set(U32, base + FD_OFFSET, fd);
        return this;
    }

    public int fd() {
        return segment.get(U32, base + FD_OFFSET);
    }

    public SubmissionEntry fileOffset(long offset) {
        segment.set(U64, base + OFF_OFFSET, offset);
        return this;
    }

    public long fileOffset() {
        return segment.get(U64, base + OFF_OFFSET);
    }

    public SubmissionEntry cmdOp(int cmdOp) {
        segment.set(U32, base + CMD_OP_OFFSET, cmdOp);
        return this;
    }

    public int cmdOp() {
        return segment.get(U32, base + CMD_OP_OFFSET);
    }

    public SubmissionEntry address(long address) {
        segment.set(U64, base + ADDR_OFFSET, address);
        return this;
    }

    public long address() {
        return segment.get(U64, base + ADDR_OFFSET);
    }

    public SubmissionEntry length(int length) {
        segment.set(U32, base + LEN_OFFSET, length);
        return this;
    }

    public int length() {
        return segment.get(U32, base + LEN_OFFSET);
    }

    public SubmissionEntry opFlags(int flags) {
        segment.set(U32, base + OP_FLAGS_OFFSET, flags);
        return this;
    }

    public int opFlags() {
        return segment.get(U32, base + OP_FLAGS_OFFSET);
    }

    public SubmissionEntry userData(long userData) {
        segment.set(U64, base + USER_DATA_OFFSET, userData);
        return this;
    }

    public long userData() {
        return segment.get(U64, base + USER_DATA_OFFSET);
    }

    public SubmissionEntry bufferIndex(int index) {
        segment.set(U16, base + BUF_INDEX_OFFSET, (short) index);
        return this;
    }

    public int bufferIndex() {
        return Short.toUnsignedInt(segment.get(U16, base + BUF_INDEX_OFFSET));
    }

    /** Offset (in the wrapped segment) of the inline command area of a URING_CMD entry. */
    public long commandOffset() {
        return base + CMD_OFFSET;
    }
}
