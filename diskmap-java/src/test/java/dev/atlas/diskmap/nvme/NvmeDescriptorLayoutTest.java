package dev.atlas.diskmap.nvme;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import org.junit.jupiter.api.Test;

/** The named offsets agree with the NVMe 1.4 entry layouts written as MemoryLayouts. */
class NvmeDescriptorLayoutTest {

    static final StructLayout SUBMISSION_ENTRY = MemoryLayout.structLayout(
            JAVA_BYTE.withName("opcode"),
            JAVA_BYTE.withName("flags"),
            JAVA_SHORT.withName("command_id"),
            JAVA_INT.withName("nsid"),
            JAVA_INT.withName("cdw2"),
            JAVA_INT.withName("cdw3"),
            JAVA_LONG.withName("metadata"),
            JAVA_LONG.withName("prp1"),
            JAVA_LONG.withName("prp2"),
            JAVA_INT.withName("cdw10"),
            JAVA_INT.withName("cdw11"),
            JAVA_INT.withName("cdw12"),
            JAVA_INT.withName("cdw13"),
            JAVA_INT.withName("cdw14"),
            JAVA_INT.withName("cdw15"));

    static final StructLayout COMPLETION_ENTRY = MemoryLayout.structLayout(
            JAVA_INT.withName("dw0"),
            JAVA_INT.withName("dw1"),
            JAVA_SHORT.withName("sq_head"),
            JAVA_SHORT.withName("sq_id"),
            JAVA_SHORT.withName("command_id"),
            JAVA_SHORT.withName("status"));

    private static long sqe(String field) {
        return SUBMISSION_ENTRY.byteOffset(groupElement(field));
    }

    private static long cqe(String field) {
        return COMPLETION_ENTRY.byteOffset(groupElement(field));
    }

    @Test
    void submissionEntryOffsetsMatchLayout() {
        assertEquals(SUBMISSION_ENTRY.byteSize(), NvmeCommandDescriptor.LENGTH);
        assertEquals(sqe("opcode"), NvmeCommandDescriptor.OPCODE_OFFSET);
        assertEquals(sqe("flags"), NvmeCommandDescriptor.FLAGS_OFFSET);
        assertEquals(sqe("command_id"), NvmeCommandDescriptor.COMMAND_ID_OFFSET);
        assertEquals(sqe("nsid"), NvmeCommandDescriptor.NAMESPACE_ID_OFFSET);
        assertEquals(sqe("cdw2"), NvmeCommandDescriptor.CDW2_OFFSET);
        assertEquals(sqe("cdw3"), NvmeCommandDescriptor.CDW3_OFFSET);
        assertEquals(sqe("metadata"), NvmeCommandDescriptor.METADATA_POINTER_OFFSET);
        assertEquals(sqe("prp1"), NvmeCommandDescriptor.PRP1_OFFSET);
        assertEquals(sqe("prp2"), NvmeCommandDescriptor.PRP2_OFFSET);
        assertEquals(sqe("cdw10"), NvmeCommandDescriptor.CDW10_OFFSET);
        assertEquals(sqe("cdw11"), NvmeCommandDescriptor.CDW11_OFFSET);
        assertEquals(sqe("cdw12"), NvmeCommandDescriptor.CDW12_OFFSET);
        assertEquals(sqe("cdw13"), NvmeCommandDescriptor.CDW13_OFFSET);
        assertEquals(sqe("cdw14"), NvmeCommandDescriptor.CDW14_OFFSET);
        assertEquals(sqe("cdw15"), NvmeCommandDescriptor.CDW15_OFFSET);
        assertEquals(sqe("cdw10"), NvmeCommandDescriptor.STARTING_LBA_OFFSET);
    }

    @Test
    void completionEntryOffsetsMatchLayout() {
        assertEquals(COMPLETION_ENTRY.byteSize(), NvmeCompletionDescriptor.LENGTH);
        assertEquals(cqe("dw0"), NvmeCompletionDescriptor.DW0_OFFSET);
        assertEquals(cqe("dw1"), NvmeCompletionDescriptor.DW1_OFFSET);
        assertEquals(cqe("sq_head"), NvmeCompletionDescriptor.SQ_HEAD_OFFSET);
        assertEquals(cqe("sq_id"), NvmeCompletionDescriptor.SQ_ID_OFFSET);
        assertEquals(cqe("command_id"), NvmeCompletionDescriptor.COMMAND_ID_OFFSET);
        assertEquals(cqe("status"), NvmeCompletionDescriptor.STATUS_OFFSET);
    }
}
