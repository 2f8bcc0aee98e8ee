package dev.atlas.diskmap.uring;

import dev.atlas.diskmap.nvme.NvmeOpcode;
import dev.atlas.diskmap.nvme.NvmeStatus;
import dev.atlas.diskmap.transport.DeviceGeometry;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * The {@code file} transport: NVMe read, write and flush commands on an image file or block
 * device, run as io_uring READ_FIXED/WRITE_FIXED (plain READ/WRITE outside registered memory)
 * and FSYNC(datasync) on an O_DIRECT descriptor. LBA {@code n} is byte {@code n × blockSize}.
 *
 * <p>Each NVMe command becomes one SQE with user_data = opcode, length and command ID; the CQE's
 * result becomes the NVMe status a controller would report (errno kept in DW0). Commands that
 * cannot be valid (buffer not aligned for O_DIRECT, LBA out of range, unknown opcode, wrong
 * namespace) complete with an error status without reaching the kernel. Bus address = virtual
 * address; the driver's buffers are virtually contiguous, so PRP1 and the length describe the
 * whole transfer (a two-page PRP2 is checked; PRP lists are walked only in test mode).
 */
public final class FileTransport extends UringQueueTransport {
    /** Largest command (MDTS) the transport accepts; bigger requests are split by the driver. */
    public static final int MAX_TRANSFER_BYTES = 1 << 20;
    /** O_DIRECT needs buffers aligned to the device's logical block (512 on every disk here). */
    public static final int DIRECT_IO_ALIGNMENT = 512;

    /** user_data = opcode << 56 | length << 16 | command id. */
    private static final int USER_DATA_LENGTH_SHIFT = 16;

    private static final int USER_DATA_OPCODE_SHIFT = 56;
    private static final long USER_DATA_LENGTH_MASK = 0xFF_FFFF_FFFFL;
    private static final int COMMAND_ID_MASK = 0xFFFF;

    private final DirectFile file;
    private final long blockCount;
    private final int blockShift;
    /** Tests only: also walk PRP lists and check they describe a contiguous buffer. */
    private boolean checkPrpLists;

    private MemorySegment allMemory;

    private FileTransport(DirectFile file, IoUring ring, int queueDepth) {
        super(
                "file transport on " + file.path(),
                ring,
                new DeviceGeometry(
                        file.blockSize(),
                        file.blockCount(),
                        Math.max(MAX_TRANSFER_BYTES, file.blockSize()),
                        NAMESPACE_ID),
                queueDepth);
        this.file = file;
        this.blockCount = file.blockCount();
        this.blockShift = Integer.numberOfTrailingZeros(file.blockSize());
    }

    /** Opens an image file or block device with the default block size (512, or the device's). */
    public static FileTransport open(Path image, int queueDepth) {
        return open(image, queueDepth, 0);
    }

    /**
     * Opens an image file or block device.
     *
     * @param queueDepth NVMe queue entries (2 to 65536; one slot always stays empty)
     * @param blockSize  logical block size to expose, 0 for the default
     */
    public static FileTransport open(Path image, int queueDepth, int blockSize) {
        checkQueueDepth(queueDepth);
        DirectFile file = DirectFile.open(image, blockSize);
        IoUring ring = null;
        try {
            ring = IoUring.open(ringEntries(queueDepth));
            return new FileTransport(file, ring, queueDepth);
        } catch (RuntimeException e) {
            if (ring != null) {
                ring.close();
            }
            file.close();
            throw e;
        }
    }

    /** The image path, for messages. */
    public Path path() {
        return file.path();
    }

    @Override
    protected void translate() {
        int commandId = command.commandId();
        int opcode = command.opcode();
        if (command.namespaceId() != NAMESPACE_ID) {
            completeLocally(commandId, NvmeStatus.INVALID_NAMESPACE | NvmeStatus.DO_NOT_RETRY, Errno.ENODEV);
            return;
        }
        if (opcode == NvmeOpcode.FLUSH) {
            SubmissionEntry sqe = nextSubmission();
            if (sqe == null) {
                completeLocally(commandId, NvmeStatus.INTERNAL_ERROR, Errno.EAGAIN);
                return;
            }
            sqe.opcode(IoUringOpcode.FSYNC)
                    .fd(file.fd())
                    .opFlags(IoUringOpcode.FSYNC_DATASYNC)
                    .userData(userData(opcode, 0, commandId));
            submitted();
            return;
        }
        if (opcode != NvmeOpcode.READ && opcode != NvmeOpcode.WRITE) {
            completeLocally(commandId, NvmeStatus.INVALID_OPCODE | NvmeStatus.DO_NOT_RETRY, Errno.EOPNOTSUPP);
            return;
        }
        long lba = command.startingLba();
        int blocks = command.numberOfBlocks();
        if (lba < 0 || lba > blockCount - blocks) {
            completeLocally(commandId, NvmeStatus.LBA_OUT_OF_RANGE | NvmeStatus.DO_NOT_RETRY, Errno.EINVAL);
            return;
        }
        long length = (long) blocks << blockShift;
        if (length > geometry.maxTransferBytes()) {
            completeLocally(commandId, NvmeStatus.INVALID_FIELD | NvmeStatus.DO_NOT_RETRY, Errno.EINVAL);
            return;
        }
        long address = command.prp1();
        if ((address & (DIRECT_IO_ALIGNMENT - 1)) != 0
                || !secondPageConsistent(address, length)
                || (checkPrpLists && !prpListConsistent(address, length))) {
            completeLocally(commandId, NvmeStatus.PRP_OFFSET_INVALID | NvmeStatus.DO_NOT_RETRY, Errno.EINVAL);
            return;
        }
        if (opcode == NvmeOpcode.WRITE && file.isReadOnly()) {
            completeLocally(commandId, NvmeStatus.ACCESS_DENIED | NvmeStatus.DO_NOT_RETRY, Errno.EROFS);
            return;
        }
        SubmissionEntry sqe = nextSubmission();
        if (sqe == null) {
            completeLocally(commandId, NvmeStatus.INTERNAL_ERROR, Errno.EAGAIN);
            return;
        }
        int bufferIndex = registeredIndex(address, length);
        byte uringOpcode;
        if (bufferIndex >= 0) {
            uringOpcode = opcode == NvmeOpcode.READ ? IoUringOpcode.READ_FIXED : IoUringOpcode.WRITE_FIXED;
            sqe.bufferIndex(bufferIndex);
        } else {
            uringOpcode = opcode == NvmeOpcode.READ ? IoUringOpcode.READ : IoUringOpcode.WRITE;
        }
        sqe.opcode(uringOpcode)
                .fd(file.fd())
                .fileOffset(lba << blockShift)
                .address(address)
                .length((int) length)
                .userData(userData(opcode, length, commandId));
        submitted();
    }

    @Override
    protected void reap(CompletionEntry cqe) {
        long userData = cqe.userData();
        int result = cqe.result();
        int opcode = (int) (userData >>> USER_DATA_OPCODE_SHIFT);
        int length = (int) ((userData >>> USER_DATA_LENGTH_SHIFT) & USER_DATA_LENGTH_MASK);
        int status = CompletionStatus.of(opcode, result, length);
        int dw0 = result < 0 ? -result : (status == NvmeStatus.SUCCESS ? 0 : result);
        post((int) (userData & COMMAND_ID_MASK), status, dw0);
    }

    /**
     * A two-page transfer names its second page in PRP2; for the virtually contiguous buffers
     * this transport assumes, that must be the page right after PRP1's.
     */
    private boolean secondPageConsistent(long address, long length) {
        long firstPageBytes = MEMORY_PAGE - (address & (MEMORY_PAGE - 1));
        if (length <= firstPageBytes || length > firstPageBytes + MEMORY_PAGE) {
            return true;
        }
        return command.prp2() == (address & -MEMORY_PAGE) + MEMORY_PAGE;
    }

    /**
     * Test mode: the driver's PRP list must name exactly the pages that follow PRP1's, since
     * this transport reads the buffer as one virtually contiguous run. Reading driver memory
     * by address is for tests only.
     */
    void checkPrpListsInTests() {
        allMemory = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
        checkPrpLists = true;
    }

    private boolean prpListConsistent(long address, long length) {
        long firstPageBytes = MEMORY_PAGE - (address & (MEMORY_PAGE - 1));
        if (length <= firstPageBytes + MEMORY_PAGE) {
            return true;
        }
        long pages = (length - firstPageBytes + MEMORY_PAGE - 1) / MEMORY_PAGE;
        long list = command.prp2();
        long expected = (address & -MEMORY_PAGE) + MEMORY_PAGE;
        for (long i = 0; i < pages; i++) {
            if (allMemory.get(ValueLayout.JAVA_LONG_UNALIGNED, list + i * Long.BYTES) != expected + i * MEMORY_PAGE) {
                return false;
            }
        }
        return true;
    }

    private static long userData(int opcode, long length, int commandId) {
        return ((long) opcode << USER_DATA_OPCODE_SHIFT) | (length << USER_DATA_LENGTH_SHIFT) | commandId;
    }

    @Override
    protected void closeDevice() {
        file.close();
    }

    @Override
    public String name() {
        return "file";
    }
}
