package dev.atlas.diskmap.uring;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import org.junit.jupiter.api.Test;

/**
 * The descriptors' offsets against MemoryLayouts transcribed from include/uapi/linux/io_uring.h
 * (unions represented by their first member), so a typo in a constant cannot go unnoticed.
 */
class UringLayoutTest {
    static final StructLayout SQRING_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"),
            JAVA_INT.withName("tail"),
            JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("dropped"),
            JAVA_INT.withName("array"),
            JAVA_INT.withName("resv1"),
            JAVA_LONG.withName("user_addr"));
    static final StructLayout CQRING_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"),
            JAVA_INT.withName("tail"),
            JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"),
            JAVA_INT.withName("overflow"),
            JAVA_INT.withName("cqes"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("resv1"),
            JAVA_LONG.withName("user_addr"));
    static final StructLayout PARAMS = MemoryLayout.structLayout(
            JAVA_INT.withName("sq_entries"),
            JAVA_INT.withName("cq_entries"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("sq_thread_cpu"),
            JAVA_INT.withName("sq_thread_idle"),
            JAVA_INT.withName("features"),
            JAVA_INT.withName("wq_fd"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("resv"),
            SQRING_OFFSETS.withName("sq_off"),
            CQRING_OFFSETS.withName("cq_off"));
    static final StructLayout SQE = MemoryLayout.structLayout(
            JAVA_BYTE.withName("opcode"),
            JAVA_BYTE.withName("flags"),
            JAVA_SHORT.withName("ioprio"),
            JAVA_INT.withName("fd"),
            JAVA_LONG.withName("off"),
            JAVA_LONG.withName("addr"),
            JAVA_INT.withName("len"),
            JAVA_INT.withName("rw_flags"),
            JAVA_LONG.withName("user_data"),
            JAVA_SHORT.withName("buf_index"),
            JAVA_SHORT.withName("personality"),
            JAVA_INT.withName("splice_fd_in"),
            JAVA_LONG.withName("addr3"),
            JAVA_LONG.withName("pad2"));
    static final StructLayout CQE = MemoryLayout.structLayout(
            JAVA_LONG.withName("user_data"), JAVA_INT.withName("res"), JAVA_INT.withName("flags"));

    private static long at(StructLayout layout, String field) {
        return layout.byteOffset(groupElement(field));
    }

    @Test
    void paramsMatchTheKernelStruct() {
        assertEquals(PARAMS.byteSize(), IoUringParams.SIZE);
        assertEquals(at(PARAMS, "sq_entries"), IoUringParams.SQ_ENTRIES_OFFSET);
        assertEquals(at(PARAMS, "cq_entries"), IoUringParams.CQ_ENTRIES_OFFSET);
        assertEquals(at(PARAMS, "flags"), IoUringParams.FLAGS_OFFSET);
        assertEquals(at(PARAMS, "sq_thread_cpu"), IoUringParams.SQ_THREAD_CPU_OFFSET);
        assertEquals(at(PARAMS, "sq_thread_idle"), IoUringParams.SQ_THREAD_IDLE_OFFSET);
        assertEquals(at(PARAMS, "features"), IoUringParams.FEATURES_OFFSET);
        assertEquals(at(PARAMS, "wq_fd"), IoUringParams.WQ_FD_OFFSET);
        assertEquals(at(PARAMS, "sq_off"), IoUringParams.SQ_OFF_OFFSET);
        assertEquals(at(PARAMS, "cq_off"), IoUringParams.CQ_OFF_OFFSET);
        assertEquals(at(SQRING_OFFSETS, "head"), IoUringParams.SQ_HEAD);
        assertEquals(at(SQRING_OFFSETS, "tail"), IoUringParams.SQ_TAIL);
        assertEquals(at(SQRING_OFFSETS, "ring_mask"), IoUringParams.SQ_RING_MASK);
        assertEquals(at(SQRING_OFFSETS, "ring_entries"), IoUringParams.SQ_RING_ENTRIES);
        assertEquals(at(SQRING_OFFSETS, "flags"), IoUringParams.SQ_FLAGS);
        assertEquals(at(SQRING_OFFSETS, "dropped"), IoUringParams.SQ_DROPPED);
        assertEquals(at(SQRING_OFFSETS, "array"), IoUringParams.SQ_ARRAY);
        assertEquals(at(CQRING_OFFSETS, "head"), IoUringParams.CQ_HEAD);
        assertEquals(at(CQRING_OFFSETS, "tail"), IoUringParams.CQ_TAIL);
        assertEquals(at(CQRING_OFFSETS, "ring_mask"), IoUringParams.CQ_RING_MASK);
        assertEquals(at(CQRING_OFFSETS, "ring_entries"), IoUringParams.CQ_RING_ENTRIES);
        assertEquals(at(CQRING_OFFSETS, "overflow"), IoUringParams.CQ_OVERFLOW);
        assertEquals(at(CQRING_OFFSETS, "cqes"), IoUringParams.CQ_CQES);
        assertEquals(at(CQRING_OFFSETS, "flags"), IoUringParams.CQ_FLAGS);
    }

    @Test
    void submissionEntryMatchesTheKernelStruct() {
        assertEquals(SQE.byteSize(), SubmissionEntry.SIZE);
        assertEquals(2 * SQE.byteSize(), SubmissionEntry.SIZE_128);
        assertEquals(at(SQE, "opcode"), SubmissionEntry.OPCODE_OFFSET);
        assertEquals(at(SQE, "flags"), SubmissionEntry.FLAGS_OFFSET);
        assertEquals(at(SQE, "ioprio"), SubmissionEntry.IOPRIO_OFFSET);
        assertEquals(at(SQE, "fd"), SubmissionEntry.FD_OFFSET);
        assertEquals(at(SQE, "off"), SubmissionEntry.OFF_OFFSET);
        assertEquals(at(SQE, "off"), SubmissionEntry.CMD_OP_OFFSET);
        assertEquals(at(SQE, "addr"), SubmissionEntry.ADDR_OFFSET);
        assertEquals(at(SQE, "len"), SubmissionEntry.LEN_OFFSET);
        assertEquals(at(SQE, "rw_flags"), SubmissionEntry.OP_FLAGS_OFFSET);
        assertEquals(at(SQE, "user_data"), SubmissionEntry.USER_DATA_OFFSET);
        assertEquals(at(SQE, "buf_index"), SubmissionEntry.BUF_INDEX_OFFSET);
        assertEquals(at(SQE, "personality"), SubmissionEntry.PERSONALITY_OFFSET);
        assertEquals(at(SQE, "splice_fd_in"), SubmissionEntry.FILE_INDEX_OFFSET);
        assertEquals(at(SQE, "addr3"), SubmissionEntry.ADDR3_OFFSET);
        assertEquals(at(SQE, "addr3"), SubmissionEntry.CMD_OFFSET);
        assertEquals(80, SubmissionEntry.CMD_SIZE_128);
    }

    @Test
    void completionEntryMatchesTheKernelStruct() {
        assertEquals(CQE.byteSize(), CompletionEntry.SIZE);
        assertEquals(CQE.byteSize() + 2 * Long.BYTES, CompletionEntry.SIZE_32);
        assertEquals(at(CQE, "user_data"), CompletionEntry.USER_DATA_OFFSET);
        assertEquals(at(CQE, "res"), CompletionEntry.RES_OFFSET);
        assertEquals(at(CQE, "flags"), CompletionEntry.FLAGS_OFFSET);
        assertEquals(CQE.byteSize(), CompletionEntry.BIG_CQE_OFFSET);
    }
}
