package dev.atlas.diskmap.uring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Flyweight over one {@code struct io_uring_cqe}: 16 bytes, or 32 with IORING_SETUP_CQE32,
 * whose two extra u64s ({@code big_cqe}) carry a URING_CMD's second result (for NVMe
 * passthrough: the completion's DW0/DW1 result).
 */
public final class CompletionEntry {
    public static final int SIZE = 16;
    public static final int SIZE_32 = 32;
    public static final int USER_DATA_OFFSET = 0;
    public static final int RES_OFFSET = 8;
    public static final int FLAGS_OFFSET = 12;
    public static final int BIG_CQE_OFFSET = 16;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private MemorySegment segment;
    private long base;

    public CompletionEntry wrap(MemorySegment segment, long offset) {
        this.segment = segment;
        this.base = offset;
        return this;
    }

    public long userData() {
        return segment.get(U64, base + USER_DATA_OFFSET);
    }

    /** Bytes transferred, or a negative errno. */
    public int result() {
        return segment.get(U32, base + RES_OFFSET);
    }

    public int flags() {
        return segment.get(U32, base + FLAGS_OFFSET);
    }

    /** {@code big_cqe[index]} of a 32-byte entry. */
    public long extra(int index) {
        return segment.get(U64, base + BIG_CQE_OFFSET + (long) index * Long.BYTES);
    }
}
