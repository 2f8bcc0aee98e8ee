package dev.atlas.diskmap.uring;

import dev.atlas.diskmap.nvme.NvmeCommand;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Descriptor and flyweight for the kernel's 72-byte {@code struct nvme_uring_cmd}
 * (include/uapi/linux/nvme_ioctl.h), the payload of an IORING_OP_URING_CMD with cmd_op
 * {@link #NVME_URING_CMD_IO} in the 80-byte command area of a 128-byte SQE. The same layout,
 * with {@code result} in place of the last reserved word, is {@code struct nvme_passthru_cmd}
 * of the NVME_IOCTL_ADMIN_CMD ioctl, so this flyweight serves both.
 *
 * <p>The kernel builds PRPs itself from {@code addr}/{@code data_len} and assigns its own
 * command identifier; everything else is the driver's NVMe command, dword for dword.
 */
public final class NvmeUringCommand {
    public static final int SIZE = 72;
    public static final int OPCODE_OFFSET = 0;
    public static final int FLAGS_OFFSET = 1;
    public static final int RSVD1_OFFSET = 2;
    public static final int NSID_OFFSET = 4;
    public static final int CDW2_OFFSET = 8;
    public static final int CDW3_OFFSET = 12;
    public static final int METADATA_OFFSET = 16;
    public static final int ADDR_OFFSET = 24;
    public static final int METADATA_LEN_OFFSET = 32;
    public static final int DATA_LEN_OFFSET = 36;
    public static final int CDW10_OFFSET = 40;
    public static final int CDW11_OFFSET = 44;
    public static final int CDW12_OFFSET = 48;
    public static final int CDW13_OFFSET = 52;
    public static final int CDW14_OFFSET = 56;
    public static final int CDW15_OFFSET = 60;
    public static final int TIMEOUT_MS_OFFSET = 64;
    /** nvme_passthru_cmd only: the completion's DW0 after the ioctl. */
    public static final int RESULT_OFFSET = 68;

    private static final int IOC_WRITE_READ = 3;
    private static final int IOC_DIR_SHIFT = 30;
    private static final int IOC_SIZE_SHIFT = 16;
    private static final int IOC_TYPE_SHIFT = 8;
    private static final int NVME_IOC_TYPE = 'N';

    /** {@code _IOWR('N', 0x80, struct nvme_uring_cmd)}: an I/O command on a namespace. */
    public static final int NVME_URING_CMD_IO = ioctlReadWrite(0x80);
    /** {@code _IOWR('N', 0x41, struct nvme_passthru_cmd)}: NVME_IOCTL_ADMIN_CMD. */
    public static final int NVME_IOCTL_ADMIN_CMD = ioctlReadWrite(0x41);
    /** {@code _IO('N', 0x40)}: NVME_IOCTL_ID, returns the namespace ID. */
    public static final int NVME_IOCTL_ID = (NVME_IOC_TYPE << IOC_TYPE_SHIFT) | 0x40;
    /** sqe->uring_cmd_flags: use the registered buffer named by buf_index. */
    public static final int URING_CMD_FIXED = 1;

    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private MemorySegment segment;
    private long base;

    private static int ioctlReadWrite(int number) {
        return (IOC_WRITE_READ << IOC_DIR_SHIFT)
                | (SIZE << IOC_SIZE_SHIFT)
                | (NVME_IOC_TYPE << IOC_TYPE_SHIFT)
                | number;
    }

    public NvmeUringCommand wrap(MemorySegment segment, long offset) {
        this.segment = segment;
        this.base = offset;
        return this;
    }

    /**
     * Copies the driver's NVMe command (opcode, namespace, CDW2-3, CDW10-15) and points the
     * data at {@code address}/{@code length}; flags, metadata and timeout are zero (PRPs,
     * default timeout). Expects a zeroed area.
     */
    public NvmeUringCommand fromNvme(NvmeCommand command, long address, int length) {
        segment.set(U8, base + OPCODE_OFFSET, (byte) command.opcode());
        segment.set(U32, base + NSID_OFFSET, command.namespaceId());
        segment.set(U32, base + CDW2_OFFSET, command.cdw2());
        segment.set(U32, base + CDW3_OFFSET, command.cdw3());
        segment.set(U64, base + ADDR_OFFSET, address);
        segment.set(U32, base + DATA_LEN_OFFSET, length);
        segment.set(U32, base + CDW10_OFFSET, command.cdw10());
        segment.set(U32, base + CDW11_OFFSET, command.cdw11());
        segment.set(U32, base + CDW12_OFFSET, command.cdw12());
        segment.set(U32, base + CDW13_OFFSET, command.cdw13());
        segment.set(U32, base + CDW14_OFFSET, command.cdw14());
        segment.set(U32, base + CDW15_OFFSET, command.cdw15());
        return this;
    }

    public NvmeUringCommand opcode(int opcode) {
        segment.set(U8, base + OPCODE_OFFSET, (byte) opcode);
        return this;
    }

    public int opcode() {
        return Byte.toUnsignedInt(segment.get(U8, base + OPCODE_OFFSET));
    }

    public NvmeUringCommand namespaceId(int nsid) {
        segment.set(U32, base + NSID_OFFSET, nsid);
        return this;
    }

    public int namespaceId() {
        return segment.get(U32, base + NSID_OFFSET);
    }

    public NvmeUringCommand address(long address) {
        segment.set(U64, base + ADDR_OFFSET, address);
        return this;
    }

    public long address() {
        return segment.get(U64, base + ADDR_OFFSET);
    }

    public NvmeUringCommand dataLength(int length) {
        segment.set(U32, base + DATA_LEN_OFFSET, length);
        return this;
    }

    public int dataLength() {
        return segment.get(U32, base + DATA_LEN_OFFSET);
    }

    public NvmeUringCommand cdw10(int value) {
        segment.set(U32, base + CDW10_OFFSET, value);
        return this;
    }

    public int cdw(int offset) {
        return segment.get(U32, base + offset);
    }

    public int result() {
        return segment.get(U32, base + RESULT_OFFSET);
    }
}
