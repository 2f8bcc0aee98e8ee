package dev.atlas.diskmap.transport;

import java.lang.foreign.MemorySegment;

/**
 * How one NVMe I/O queue pair reaches a device.
 *
 * <p>The driver above ({@code NvmeQueuePair}) always writes 64-byte NVMe submission entries
 * into {@link #submissionQueue()} and reads 16-byte NVMe completion entries, with phase tags,
 * from {@link #completionQueue()}. A transport decides what those memories are:
 * <ul>
 *   <li>raw transports ({@code emulated}, {@code diskmap}) hand out the device's own queue
 *       memory; the doorbell calls ring the device;</li>
 *   <li>io_uring transports ({@code file}, {@code passthru}) hand out plain memory; ringing
 *       the submission doorbell translates the new entries into io_uring SQEs and submits
 *       them, and {@link #poll()} reaps io_uring CQEs and writes them back as NVMe completion
 *       entries with the phase tag the driver expects.</li>
 * </ul>
 * So the queue-pair code (tail, head, phase, PRPs, splitting, callbacks) is one code path for
 * every transport. All methods are called from the single thread that owns the queue pair.
 */
public interface QueueTransport extends AutoCloseable {

    /** Size and limits of the namespace behind this queue pair. */
    DeviceGeometry geometry();

    /** Number of entries in the submission queue (and the completion queue). */
    int queueDepth();

    /** {@code queueDepth() * 64} bytes, 4 KiB aligned; entry {@code i} at {@code i * 64}. */
    MemorySegment submissionQueue();

    /**
     * {@code queueDepth() * 16} bytes, 4 KiB aligned and zeroed at start; entry {@code i} at
     * {@code i * 16}. Every entry posted here carries the command identifier, the SQ head after
     * the entries consumed so far (the driver sees a full SQ from it) and, written last with
     * release semantics, the status field with the phase tag (1 on the first pass, flipping at
     * each wrap-around).
     */
    MemorySegment completionQueue();

    /** The SQ tail doorbell: entries up to (excluding) {@code newTail} are ready. */
    void ringSubmissionDoorbell(int newTail);

    /** The CQ head doorbell: entries before {@code newHead} were consumed. */
    void ringCompletionDoorbell(int newHead);

    /**
     * Give the transport a chance to move completions into {@link #completionQueue()}
     * (reap io_uring CQEs, step an emulated controller). Never blocks.
     *
     * @return the number of completion entries it posted
     */
    int poll();

    /**
     * The address the device uses for {@code address} (a byte inside memory registered with
     * {@link #registerMemory}). Identity for transports that work on virtual addresses.
     */
    long busAddress(long address);

    /**
     * Makes a region usable for data transfer (io_uring buffer registration, module pool
     * mapping). Called once per region before any I/O on it, and several times per transport:
     * first by the queue pair for its PRP-list pages, then once per buffer pool.
     */
    void registerMemory(MemorySegment region);

    /** Short name for logs and metrics: {@code file}, {@code passthru}, {@code emulated}, … */
    String name();

    @Override
    void close();
}
