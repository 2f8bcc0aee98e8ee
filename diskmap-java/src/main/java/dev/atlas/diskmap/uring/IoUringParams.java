package dev.atlas.diskmap.uring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Descriptor and flyweight for {@code struct io_uring_params} (120 bytes) with its embedded
 * {@code io_sqring_offsets} (at 40) and {@code io_cqring_offsets} (at 80), as io_uring_setup
 * fills them in. Offsets follow include/uapi/linux/io_uring.h; a test checks them against a
 * MemoryLayout.
 */
public final class IoUringParams {
    public static final int SIZE = 120;
    public static final int SQ_ENTRIES_OFFSET = 0;
    public static final int CQ_ENTRIES_OFFSET = 4;
    public static final int FLAGS_OFFSET = 8;
    public static final int SQ_THREAD_CPU_OFFSET = 12;
    public static final int SQ_THREAD_IDLE_OFFSET = 16;
    public static final int FEATURES_OFFSET = 20;
    public static final int WQ_FD_OFFSET = 24;
    public static final int SQ_OFF_OFFSET = 40;
    public static final int CQ_OFF_OFFSET = 80;

    /** Fields of io_sqring_offsets, relative to {@link #SQ_OFF_OFFSET}. */
    public static final int SQ_HEAD = 0;

    public static final int SQ_TAIL = 4;
    public static final int SQ_RING_MASK = 8;
    public static final int SQ_RING_ENTRIES = 12;
    public static final int SQ_FLAGS = 16;
    public static final int SQ_DROPPED = 20;
    public static final int SQ_ARRAY = 24;

    /** Fields of io_cqring_offsets, relative to {@link #CQ_OFF_OFFSET}. */
    public static final int CQ_HEAD = 0;

    public static final int CQ_TAIL = 4;
    public static final int CQ_RING_MASK = 8;
    public static final int CQ_RING_ENTRIES = 12;
    public static final int CQ_OVERFLOW = 16;
    public static final int CQ_CQES = 20;
    public static final int CQ_FLAGS = 24;

    /** Setup flags. */
    public static final int SETUP_CQSIZE = 1 << 3;

    public static final int SETUP_CLAMP = 1 << 4;
    public static final int SETUP_COOP_TASKRUN = 1 << 8;
    public static final int SETUP_TASKRUN_FLAG = 1 << 9;
    public static final int SETUP_SQE128 = 1 << 10;
    public static final int SETUP_CQE32 = 1 << 11;

    /** Feature bits reported back. */
    public static final int FEAT_SINGLE_MMAP = 1;

    public static final int FEAT_NODROP = 1 << 1;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT;

    private MemorySegment segment;

    public IoUringParams wrap(MemorySegment segment) {
        this.segment = segment;
        return this;
    }

    public int sqEntries() {
        return segment.get(U32, SQ_ENTRIES_OFFSET);
    }

    public int cqEntries() {
        return segment.get(U32, CQ_ENTRIES_OFFSET);
    }

    public IoUringParams cqEntries(int entries) {
        segment.set(U32, CQ_ENTRIES_OFFSET, entries);
        return this;
    }

    public int flags() {
        return segment.get(U32, FLAGS_OFFSET);
    }

    public IoUringParams flags(int flags) {
        segment.set(U32, FLAGS_OFFSET, flags);
        return this;
    }

    public int features() {
        return segment.get(U32, FEATURES_OFFSET);
    }

    /** A field of io_sqring_offsets, e.g. {@link #SQ_TAIL}. */
    public int sqOffset(int field) {
        return segment.get(U32, SQ_OFF_OFFSET + field);
    }

    /** A field of io_cqring_offsets, e.g. {@link #CQ_CQES}. */
    public int cqOffset(int field) {
        return segment.get(U32, CQ_OFF_OFFSET + field);
    }
}
