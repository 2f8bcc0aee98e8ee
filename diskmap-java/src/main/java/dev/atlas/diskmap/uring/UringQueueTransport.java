package dev.atlas.diskmap.uring;

import dev.atlas.diskmap.nvme.NvmeCommand;
import dev.atlas.diskmap.nvme.NvmeCommandDescriptor;
import dev.atlas.diskmap.nvme.NvmeCompletion;
import dev.atlas.diskmap.nvme.NvmeCompletionDescriptor;
import dev.atlas.diskmap.transport.DeviceGeometry;
import dev.atlas.diskmap.transport.DiskmapException;
import dev.atlas.diskmap.transport.QueueTransport;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * What the io_uring transports ({@code file}, {@code passthru}) share: the plain memory that
 * stands in for the NVMe SQ and CQ, the doorbell that turns every new NVMe SQE into an io_uring
 * SQE and submits them all with one io_uring_enter, and the poll that reaps io_uring CQEs into
 * NVMe CQEs with the phase tag the driver expects (never overrunning the driver's CQ head).
 * Commands rejected before submission complete through a small local queue. Subclasses say how
 * one NVMe command becomes one SQE ({@link #translate}) and what a CQE means ({@link #reap}).
 *
 * <p>Single-threaded; nothing on the doorbell/poll path allocates.
 */
public abstract class UringQueueTransport implements QueueTransport {
    /** Submission queue ID reported in completions (I/O queue 1). */
    public static final int SUBMISSION_QUEUE_ID = 1;
    /** Namespace ID commands must carry for the file transport; passthru uses the device's. */
    public static final int NAMESPACE_ID = 1;
    /** NVMe memory page size: PRP entries describe pages of this size. */
    protected static final int MEMORY_PAGE = 4096;
    /** io_uring registers at most 1 GiB per buffer. */
    static final long MAX_REGISTERED_BUFFER_BYTES = 1L << 30;
    /**
     * With requests in flight and no completion in sight, enter the kernel after this many polls
     * even when the SQ ring does not flag pending task work. Completions of a cooperative-taskrun
     * ring are task work that runs only when the submitter enters; the flag that says so was
     * missed on this machine (kernel 6.18): about one in three drive-backed 16 MiB transfers
     * left reads uncompleted for seconds while a lane polled flag-only. An enter every 32 empty
     * polls bounds that wait to microseconds at the cost of a syscall per 32 idle polls — when
     * polls come fast. A lane whose idle strategy parks between passes polls every 200 µs or so,
     * and 32 of those added milliseconds to every read under load; so it also enters once
     * {@link #ENTER_AFTER_NANOS} have passed since the last look that found something.
     */
    static final int ENTER_AFTER_EMPTY_POLLS = 32;
    /** With requests in flight and an empty CQ, the longest a poll goes without entering the kernel. */
    static final long ENTER_AFTER_NANOS = 20_000;

    private static final int QUEUE_ALIGNMENT = 4096;
    /** A driver status has 15 bits: the CQE status field above the phase tag. */
    private static final int STATUS_FIELD_BITS = 0x7FFF;

    protected final IoUring ring;
    protected final DeviceGeometry geometry;
    protected final int queueDepth;
    protected final NvmeCommand command = new NvmeCommand();
    private final String description;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment submissionQueue;
    private final MemorySegment completionQueue;
    private final NvmeCompletion completion = new NvmeCompletion();

    private final int[] localCommandId;
    private final int[] localStatus;
    private final int[] localDw0;
    private int localHead;
    private int localCount;

    private long[] regionStart = new long[0];
    private long[] regionEnd = new long[0];
    private MemorySegment[] registered = new MemorySegment[0];
    private boolean fixedBuffers = true;

    private int sqHead;
    private int cqTail;
    private int cqPhase = 1;
    private int cqHeadFromDriver;
    /** Polls in a row that found requests in flight and no completion. */
    private int emptyPolls;
    /** When a poll last entered the kernel or found completions. */
    private long lastProgressNanos;

    private int inFlight;
    private boolean closed;

    /**
     * @param description what the transport runs on, for messages ("file transport on /img")
     * @param ring        an open ring with at least {@code queueDepth} SQEs; closed with this transport
     */
    protected UringQueueTransport(String description, IoUring ring, DeviceGeometry geometry, int queueDepth) {
        this.description = description;
        this.ring = ring;
        this.geometry = geometry;
        this.queueDepth = queueDepth;
        this.submissionQueue = arena.allocate((long) queueDepth * NvmeCommandDescriptor.LENGTH, QUEUE_ALIGNMENT);
        this.completionQueue = arena.allocate((long) queueDepth * NvmeCompletionDescriptor.LENGTH, QUEUE_ALIGNMENT);
        this.localCommandId = new int[queueDepth];
        this.localStatus = new int[queueDepth];
        this.localDw0 = new int[queueDepth];
    }

    /** io_uring entries for an NVMe queue of {@code queueDepth}: the next power of two. */
    protected static int ringEntries(int queueDepth) {
        return Integer.highestOneBit(queueDepth - 1) << 1;
    }

    protected static void checkQueueDepth(int queueDepth) {
        if (queueDepth < 2 || queueDepth > 65536) {
            throw new DiskmapException("queue depth must be between 2 and 65536, not " + queueDepth);
        }
    }

    /**
     * Turns the NVMe command in {@link #command} into one SQE (via {@link #nextSubmission} and
     * {@link #submitted}) or completes it at once with {@link #completeLocally}.
     */
    protected abstract void translate();

    /** Posts the NVMe completion for one reaped CQE with {@link #post}. */
    protected abstract void reap(CompletionEntry cqe);

    /** Closes what the subclass opened (the file descriptor), after the ring is closed. */
    protected abstract void closeDevice();

    /** True while memory given to {@link #registerMemory} is used as io_uring fixed buffers. */
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
            throw new DiskmapException("submission doorbell " + newTail + " is outside the queue of " + queueDepth
                    + " entries of the " + description);
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

    /** The next free SQE, zeroed; null only if the ring stays full after a flush. */
    protected final SubmissionEntry nextSubmission() {
        SubmissionEntry sqe = ring.nextSubmission();
        if (sqe == null) {
            ring.submit(0);
            sqe = ring.nextSubmission();
        }
        return sqe;
    }

    /** Counts an SQE filled by {@link #translate} as in flight. */
    protected final void submitted() {
        inFlight++;
    }

    /** Completes a command without the kernel (invalid, or no SQE free). */
    protected final void completeLocally(int commandId, int status, int dw0) {
        int slot = localHead + localCount;
        if (slot >= queueDepth) {
            slot -= queueDepth;
        }
        localCommandId[slot] = commandId;
        localStatus[slot] = status;
        localDw0[slot] = dw0;
        localCount++;
    }

    /** Index of the registered buffer holding {@code [address, address + length)}, or -1. */
    protected final int registeredIndex(long address, long length) {
        if (!fixedBuffers) {
            return -1;
        }
        long end = address + length;
        for (int i = 0; i < regionStart.length; i++) {
            if (address >= regionStart[i] && end <= regionEnd[i]) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void ringCompletionDoorbell(int newHead) {
        ensureOpen();
        if (newHead < 0 || newHead >= queueDepth) {
            throw new DiskmapException("completion doorbell " + newHead + " is outside the queue of " + queueDepth
                    + " entries of the " + description);
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
        if (head == tail
                && (ring.needsEnter()
                        || ++emptyPolls >= ENTER_AFTER_EMPTY_POLLS
                        || System.nanoTime() - lastProgressNanos >= ENTER_AFTER_NANOS)) {
            ring.enterForCompletions();
            emptyPolls = 0;
            lastProgressNanos = System.nanoTime();
            tail = ring.completionTail();
        }
        int reaped = 0;
        if (head != tail) {
            emptyPolls = 0;
            lastProgressNanos = System.nanoTime();
        }
        while (head + reaped != tail && completionQueueHasRoom()) {
            reap(ring.completion(head + reaped));
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

    /** Writes one NVMe CQE at the CQ tail; the status field (with phase) is stored last, with release. */
    protected final void post(int commandId, int status, int dw0) {
        completion
                .wrap(completionQueue, (long) cqTail * NvmeCompletionDescriptor.LENGTH)
                .dw0(dw0)
                .dw1(0)
                .sqHead(sqHead)
                .sqId(SUBMISSION_QUEUE_ID)
                .commandId(commandId)
                .publishStatus(status & STATUS_FIELD_BITS, cqPhase);
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
     * kernel refuses (locked-memory limit), I/O still works without fixed buffers.
     */
    @Override
    public void registerMemory(MemorySegment region) {
        ensureOpen();
        int pieces = (int) ((region.byteSize() + MAX_REGISTERED_BUFFER_BYTES - 1) / MAX_REGISTERED_BUFFER_BYTES);
        MemorySegment[] all = Arrays.copyOf(registered, registered.length + pieces);
        for (int i = 0; i < pieces; i++) {
            long from = i * MAX_REGISTERED_BUFFER_BYTES;
            all[registered.length + i] =
                    region.asSlice(from, Math.min(MAX_REGISTERED_BUFFER_BYTES, region.byteSize() - from));
        }
        try {
            ring.registerBuffers(all);
            fixedBuffers = true;
        } catch (UringException e) {
            // Fixed buffers only save the per-I/O page pinning; unregistered I/O stays correct.
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

    protected final void ensureOpen() {
        if (closed) {
            throw new DiskmapException("the " + description + " was closed; open the device again to do more I/O");
        }
    }

    /**
     * Waits for requests still in flight (their buffers may be freed right after), then closes
     * the ring and the device. Completions that arrive here are not posted.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            while (inFlight > 0) {
                int ready = ring.completionTail() - ring.completionHead();
                if (ready == 0) {
                    ring.submit(1);
                    continue;
                }
                ring.advanceCompletionHead(ready);
                inFlight -= ready;
            }
        } finally {
            ring.close();
            closeDevice();
            arena.close();
        }
    }

    @Override
    public String toString() {
        return description + " (" + geometry.blockCount() + " × " + geometry.blockSize() + " B, queue depth "
                + queueDepth + ")";
    }
}
