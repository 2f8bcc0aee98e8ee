package dev.atlas.diskmap.uring;

import dev.atlas.diskmap.DiskmapException;
import dev.atlas.diskmap.nvme.NvmeCommand;
import dev.atlas.diskmap.nvme.NvmeCommandDescriptor;
import dev.atlas.diskmap.nvme.NvmeCompletion;
import dev.atlas.diskmap.nvme.NvmeCompletionDescriptor;
import dev.atlas.diskmap.nvme.NvmeOpcode;
import dev.atlas.diskmap.nvme.NvmeStatus;
import dev.atlas.diskmap.transport.DeviceGeometry;
import dev.atlas.diskmap.transport.QueueTransport;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The {@code file} transport: NVMe read, write and flush commands on an image file or block
 * device, run as io_uring READ_FIXED/WRITE_FIXED (plain READ/WRITE outside registered memory)
 * and FSYNC(datasync) on an O_DIRECT descriptor. LBA {@code n} is byte {@code n × blockSize}.
 *
 * <p>The driver writes NVMe SQEs into plain memory; the submission doorbell translates every
 * new one into an io_uring SQE and submits them all with one io_uring_enter. {@link #poll()}
 * reaps io_uring CQEs without blocking and writes NVMe CQEs (status mapped from -errno, the
 * errno kept in DW0) with the phase tag the driver expects. Commands that cannot be valid
 * (misaligned buffer, LBA out of range, unknown opcode) complete with an error status
 * without reaching the kernel. Bus address = virtual address; the driver's buffers are
 * virtually contiguous, so PRP1 and the length describe the whole transfer.
 *
 * <p>Not thread-safe: the queue pair's thread owns it. Nothing on the submit/poll path allocates.
 */
public final class FileTransport implements QueueTransport {
    /** Largest command (MDTS) the transport accepts; bigger requests are split by the driver. */
    public static final int MAX_TRANSFER_BYTES = 1 << 20;
    /** Namespace ID commands must carry. */
    public static final int NAMESPACE_ID = 1;
    /** Submission queue ID reported in completions (I/O queue 1). */
    public static final int SUBMISSION_QUEUE_ID = 1;
    /** O_DIRECT needs buffers aligned to the device's logical block (512 on every disk here). */
    public static final int DIRECT_IO_ALIGNMENT = 512;
    /** io_uring registers at most 1 GiB per buffer. */
    static final long MAX_REGISTERED_BUFFER_BYTES = 1L << 30;
    private static final int MEMORY_PAGE = 4096;
    private static final int QUEUE_ALIGNMENT = 4096;

    /** user_data = opcode << 56 | length << 16 | command id. */
    private static final int USER_DATA_LENGTH_SHIFT = 16;
    private static final int USER_DATA_OPCODE_SHIFT = 56;
    private static final long USER_DATA_LENGTH_MASK = 0xFF_FFFF_FFFFL;
    private static final int COMMAND_ID_MASK = 0xFFFF;

    private final DirectFile file;
    private final IoUring ring;
    private final DeviceGeometry geometry;
    private final int queueDepth;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment submissionQueue;
    private final MemorySegment completionQueue;
    private final NvmeCommand command = new NvmeCommand();
    private final NvmeCompletion completion = new NvmeCompletion();
    private final long blockCount;
    private final int blockShift;

    // Completions decided without the kernel, waiting for room in the NVMe CQ.
    private final int[] localCommandId;
    private final int[] localStatus;
    private final int[] localDw0;
    private int localHead;
    private int localCount;

    private long[] regionStart = new long[0];
    private long[] regionEnd = new long[0];
    private MemorySegment[] registered = new MemorySegment[0];
    private boolean fixedBuffers = true;
    /** Tests only: also walk PRP lists and check they describe a contiguous buffer. */
    private boolean checkPrpLists;
    private MemorySegment allMemory;

    private int sqHead;
    private int cqTail;
    private int cqPhase = 1;
    private int cqHeadFromDriver;
    private int inFlight;
    private boolean closed;

    private FileTransport(DirectFile file, int queueDepth) {
        this.file = file;
        this.queueDepth = queueDepth;
        this.blockCount = file.blockCount();
        this.blockShift = Integer.numberOfTrailingZeros(file.blockSize());
        this.geometry = new DeviceGeometry(file.blockSize(), blockCount,
                Math.max(MAX_TRANSFER_BYTES, file.blockSize()), NAMESPACE_ID);
        this.ring = IoUring.open(Integer.highestOneBit(queueDepth - 1) << 1);
        this.submissionQueue = arena.allocate((long) queueDepth * NvmeCommandDescriptor.LENGTH, QUEUE_ALIGNMENT);
        this.completionQueue = arena.allocate((long) queueDepth * NvmeCompletionDescriptor.LENGTH, QUEUE_ALIGNMENT);
        this.localCommandId = new int[queueDepth];
        this.localStatus = new int[queueDepth];
        this.localDw0 = new int[queueDepth];
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
        if (queueDepth < 2 || queueDepth > 65536) {
            throw new DiskmapException("queue depth must be between 2 and 65536, not " + queueDepth);
        }
        DirectFile file = DirectFile.open(image, blockSize);
        try {
            return new FileTransport(file, queueDepth);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** The image path, for messages. */
    public Path path() {
        return file.path();
    }

    /** True while memory given to {@link #registerMemory} is used through READ_FIXED/WRITE_FIXED. */
    public boolean usesFixedBuffers() {
        return fixedBuffers && registered.length > 0;
    }

    /** Requests handed to io_uring and not yet completed. */
    public int inFlight() {
        return inFlight;
    }

    @Override
    public DeviceGeometry geometry() {
        return geometry;
    }

    @Override
    public int queueDepth() {
        return queueDepth;
    }

    @Override
    public MemorySegment submissionQueue() {
        ensureOpen();
        return submissionQueue;
    }

    @Override
    public MemorySegment completionQueue() {
        ensureOpen();
        return completionQueue;
    }

    @Override
    public void ringSubmissionDoorbell(int newTail) {
        ensureOpen();
        if (newTail < 0 || newTail >= queueDepth) {
            throw new DiskmapException("submission doorbell " + newTail + " is outside the queue of "
                    + queueDepth + " entries on " + file.path());
        }
        int head = sqHead;
        while (head != newTail) {
            command.wrap(submissionQueue, (long) head * NvmeCommandDescriptor.LENGTH);
            head = head + 1 == queueDepth ? 0 : head + 1;
            sqHead = head;
            translate();
        }
        ring.submit(0);
    }

    private void translate() {
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
            sqe.opcode(IoUringOpcode.FSYNC).fd(file.fd()).opFlags(IoUringOpcode.FSYNC_DATASYNC)
                    .userData(userData(opcode, 0, commandId));
            inFlight++;
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
        if ((address & (DIRECT_IO_ALIGNMENT - 1)) != 0 || !secondPageConsistent(address, length)
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
        int bufferIndex = fixedBuffers ? registeredIndex(address, length) : -1;
        byte uringOpcode;
        if (bufferIndex >= 0) {
            uringOpcode = opcode == NvmeOpcode.READ ? IoUringOpcode.READ_FIXED : IoUringOpcode.WRITE_FIXED;
            sqe.bufferIndex(bufferIndex);
        } else {
            uringOpcode = opcode == NvmeOpcode.READ ? IoUringOpcode.READ : IoUringOpcode.WRITE;
        }
        sqe.opcode(uringOpcode).fd(file.fd()).fileOffset(lba << blockShift).address(address)
                .length((int) length).userData(userData(opcode, length, commandId));
        inFlight++;
    }

    /**
     * A two-page transfer names its second page in PRP2; for the virtually contiguous buffers
     * this transport assumes, that must be the page right after PRP1's. (Longer transfers use a
     * PRP list, which is not read here: reading driver memory by address is for tests.)
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
     * this transport reads the buffer as one virtually contiguous run.
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

    private SubmissionEntry nextSubmission() {
        SubmissionEntry sqe = ring.nextSubmission();
        if (sqe == null) {
            ring.submit(0);
            sqe = ring.nextSubmission();
        }
        return sqe;
    }

    private static long userData(int opcode, long length, int commandId) {
        return ((long) opcode << USER_DATA_OPCODE_SHIFT) | (length << USER_DATA_LENGTH_SHIFT) | commandId;
    }

    private int registeredIndex(long address, long length) {
        long end = address + length;
        for (int i = 0; i < regionStart.length; i++) {
            if (address >= regionStart[i] && end <= regionEnd[i]) {
                return i;
            }
        }
        return -1;
    }

    private void completeLocally(int commandId, int status, int errno) {
        int slot = localHead + localCount;
        if (slot >= queueDepth) {
            slot -= queueDepth;
        }
        localCommandId[slot] = commandId;
        localStatus[slot] = status;
        localDw0[slot] = errno;
        localCount++;
    }

    @Override
    public void ringCompletionDoorbell(int newHead) {
        ensureOpen();
        if (newHead < 0 || newHead >= queueDepth) {
            throw new DiskmapException("completion doorbell " + newHead + " is outside the queue of "
                    + queueDepth + " entries on " + file.path());
        }
        cqHeadFromDriver = newHead;
    }

    @Override
    public int poll() {
        ensureOpen();
        if (ring.unsubmitted() > 0) {
            ring.submit(0);
        }
        int posted = 0;
        while (localCount > 0 && completionQueueHasRoom()) {
            post(localCommandId[localHead], localStatus[localHead], localDw0[localHead]);
            localHead = localHead + 1 == queueDepth ? 0 : localHead + 1;
            localCount--;
            posted++;
        }
        if (inFlight == 0) {
            return posted;
        }
        int head = ring.completionHead();
        int tail = ring.completionTail();
        if (head == tail && ring.needsEnter()) {
            ring.enterForCompletions();
            tail = ring.completionTail();
        }
        int reaped = 0;
        while (head + reaped != tail && completionQueueHasRoom()) {
            CompletionEntry cqe = ring.completion(head + reaped);
            long userData = cqe.userData();
            int result = cqe.result();
            int opcode = (int) (userData >>> USER_DATA_OPCODE_SHIFT);
            int length = (int) ((userData >>> USER_DATA_LENGTH_SHIFT) & USER_DATA_LENGTH_MASK);
            int status = CompletionStatus.of(opcode, result, length);
            int dw0 = result < 0 ? -result : (status == NvmeStatus.SUCCESS ? 0 : result);
            post((int) (userData & COMMAND_ID_MASK), status, dw0);
            reaped++;
        }
        if (reaped > 0) {
            ring.advanceCompletionHead(reaped);
            inFlight -= reaped;
        }
        return posted + reaped;
    }

    private boolean completionQueueHasRoom() {
        int next = cqTail + 1 == queueDepth ? 0 : cqTail + 1;
        return next != cqHeadFromDriver;
    }

    private void post(int commandId, int status, int dw0) {
        completion.wrap(completionQueue, (long) cqTail * NvmeCompletionDescriptor.LENGTH)
                .dw0(dw0).dw1(0).sqHead(sqHead).sqId(SUBMISSION_QUEUE_ID).commandId(commandId)
                .publishStatus(status, cqPhase);
        if (++cqTail == queueDepth) {
            cqTail = 0;
            cqPhase ^= 1;
        }
    }

    @Override
    public long busAddress(long address) {
        return address;
    }

    /**
     * Registers the region (split into 1 GiB pieces) with io_uring for fixed-buffer I/O. If the
     * kernel refuses (locked-memory limit), I/O still works with plain READ/WRITE.
     */
    @Override
    public void registerMemory(MemorySegment region) {
        ensureOpen();
        int pieces = (int) ((region.byteSize() + MAX_REGISTERED_BUFFER_BYTES - 1) / MAX_REGISTERED_BUFFER_BYTES);
        MemorySegment[] all = Arrays.copyOf(registered, registered.length + pieces);
        for (int i = 0; i < pieces; i++) {
            long from = i * MAX_REGISTERED_BUFFER_BYTES;
            all[registered.length + i] = region.asSlice(from, Math.min(MAX_REGISTERED_BUFFER_BYTES,
                    region.byteSize() - from));
        }
        try {
            ring.registerBuffers(all);
            fixedBuffers = true;
        } catch (UringException e) {
            // Fixed buffers only save the per-I/O page pinning; plain READ/WRITE stays correct.
            fixedBuffers = false;
        }
        registered = all;
        regionStart = new long[all.length];
        regionEnd = new long[all.length];
        for (int i = 0; i < all.length; i++) {
            regionStart[i] = all[i].address();
            regionEnd[i] = all[i].address() + all[i].byteSize();
        }
    }

    @Override
    public String name() {
        return "file";
    }

    private void ensureOpen() {
        if (closed) {
            throw new DiskmapException("the file transport on " + file.path()
                    + " was closed; open the device again to do more I/O");
        }
    }

    /**
     * Waits for requests still in flight (their buffers may be freed right after), then closes
     * the ring and the file. Completions that arrive here are not posted.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            while (inFlight > 0) {
                int head = ring.completionHead();
                int ready = ring.completionTail() - head;
                if (ready == 0) {
                    ring.submit(1);
                    continue;
                }
                ring.advanceCompletionHead(ready);
                inFlight -= ready;
            }
        } finally {
            ring.close();
            file.close();
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "file transport on " + file.path() + " (" + geometry.blockCount() + " × " + geometry.blockSize()
                + " B, queue depth " + queueDepth + ")";
    }
}
