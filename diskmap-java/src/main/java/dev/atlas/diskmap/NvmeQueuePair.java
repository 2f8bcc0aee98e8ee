package dev.atlas.diskmap;

import dev.atlas.diskmap.nvme.NvmeCommand;
import dev.atlas.diskmap.nvme.NvmeCommandDescriptor;
import dev.atlas.diskmap.nvme.NvmeCompletion;
import dev.atlas.diskmap.nvme.NvmeCompletionDescriptor;
import dev.atlas.diskmap.nvme.NvmeOpcode;
import dev.atlas.diskmap.nvme.NvmeStatus;
import dev.atlas.diskmap.transport.DeviceGeometry;
import dev.atlas.diskmap.transport.QueueLimits;
import dev.atlas.diskmap.transport.QueueTransport;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One NVMe I/O queue pair driven from one thread: the libnvme of the thesis, in Java.
 *
 * <p>Requests ({@link #read}, {@link #write}, {@link #flush}) are written as submission entries
 * at the SQ tail; {@link #sqsync()} rings the doorbell once for all of them. A request larger than
 * the device's transfer limit is split into several commands; its callback runs once, when the
 * last of them completed, whatever the order, with the first error status. {@link
 * #consumeCompletions(int)} reads completion entries while their phase tag matches the
 * expected phase (which flips at every wrap-around) and {@link #cqsync()} tells the device how
 * far the host has read.
 *
 * <p>Command identifiers index a preallocated command table and requests a preallocated request
 * table; each command slot owns one PRP list page. Nothing is allocated per request, nothing
 * blocks, and a full queue is reported by a negative return, not an exception.
 */
public final class NvmeQueuePair implements AutoCloseable {
    /** Returned by a submission when the SQ or the command table has no room; consume and retry. */
    public static final int QUEUE_FULL = -1;

    /** NVMe memory page size (CC.MPS = 0): PRP entries describe pages of this size. */
    public static final int MEMORY_PAGE_SIZE = 4096;

    private static final long PAGE_OFFSET_MASK = MEMORY_PAGE_SIZE - 1;
    /** PRP entries that fit in one list page; the per-command limit keeps lists to one page. */
    public static final int PRP_ENTRIES_PER_LIST = MEMORY_PAGE_SIZE / Long.BYTES;
    /** PRP1 must be dword aligned (bits 1:0 clear). */
    private static final long PRP1_ALIGNMENT_MASK = Integer.BYTES - 1;

    private static final int NO_REQUEST = -1;
    private static final ValueLayout.OfLong PRP_ENTRY = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final QueueTransport transport;
    private final DeviceGeometry geometry;
    private final int depth;
    private final int namespaceId;
    private final int blockSize;
    private final int maxCommandBlocks;
    private final int maxCommandsInFlight;
    private final MemorySegment submissionQueue;
    private final MemorySegment completionQueue;
    private final NvmeCommand command = new NvmeCommand();
    private final NvmeCompletion completion = new NvmeCompletion();

    // Queue positions. sqHead comes from the device's completion entries.
    private int sqTail;
    private int sqHead;
    private int sqTailRung;
    private int cqHead;
    private int cqHeadRung;
    private int expectedPhase = 1;

    // Command slots: command identifier = index.
    private final int[] commandRequest;
    private final int[] freeCommands;
    private int freeCommandCount;
    private final Arena prpArena;
    private final MemorySegment prpLists;
    private final long prpListsAddress;

    // Request table (structure of arrays).
    private final long[] requestToken;
    private final NvmeCallback[] requestCallback;
    private final int[] requestCommandsPending;
    private final int[] requestStatus;
    private final int[] freeRequests;
    private int freeRequestCount;

    private long submittedCommands;
    private long completedCommands;
    private long completedRequests;
    private long failedRequests;
    private boolean closed;

    /** Drives the queues of {@code transport}, which must start with an empty SQ and a zeroed CQ. */
    public NvmeQueuePair(QueueTransport transport) {
        this.transport = transport;
        this.geometry = transport.geometry();
        this.depth = transport.queueDepth();
        if (depth < QueueLimits.MIN_QUEUE_DEPTH || depth > QueueLimits.MAX_QUEUE_DEPTH) {
            throw new IllegalArgumentException("NVMe queue depth must be " + QueueLimits.MIN_QUEUE_DEPTH + ".."
                    + QueueLimits.MAX_QUEUE_DEPTH + ", not " + depth);
        }
        this.namespaceId = geometry.namespaceId();
        this.blockSize = geometry.blockSize();
        final long prpLimitBytes = (long) PRP_ENTRIES_PER_LIST * MEMORY_PAGE_SIZE;
        final long commandBytes = Math.min(geometry.maxTransferBytes(), prpLimitBytes);
        this.maxCommandBlocks =
                (int) Math.max(1, Math.min(commandBytes / blockSize, NvmeCommandDescriptor.MAX_BLOCKS_PER_COMMAND));
        // One entry stays empty so that a full queue differs from an empty one; the CQ is as
        // deep as the SQ, so this also keeps the device from ever overrunning the CQ.
        this.maxCommandsInFlight = depth - 1;
        this.submissionQueue = transport.submissionQueue();
        this.completionQueue = transport.completionQueue();

        this.commandRequest = new int[depth];
        Arrays.fill(commandRequest, NO_REQUEST);
        this.freeCommands = new int[maxCommandsInFlight];
        for (int i = 0; i < maxCommandsInFlight; i++) {
            freeCommands[i] = maxCommandsInFlight - 1 - i;
        }
        this.freeCommandCount = maxCommandsInFlight;
        this.prpArena = Arena.ofShared();
        this.prpLists = prpArena.allocate((long) depth * MEMORY_PAGE_SIZE, MEMORY_PAGE_SIZE);
        this.prpListsAddress = prpLists.address();
        transport.registerMemory(prpLists);

        this.requestToken = new long[maxCommandsInFlight];
        this.requestCallback = new NvmeCallback[maxCommandsInFlight];
        this.requestCommandsPending = new int[maxCommandsInFlight];
        this.requestStatus = new int[maxCommandsInFlight];
        this.freeRequests = new int[maxCommandsInFlight];
        for (int i = 0; i < maxCommandsInFlight; i++) {
            freeRequests[i] = maxCommandsInFlight - 1 - i;
        }
        this.freeRequestCount = maxCommandsInFlight;
    }

    /**
     * Queues a read of {@code blocks} blocks from {@code lba} into the buffer at virtual address
     * {@code bufferAddress} (inside registered memory, dword aligned). Not visible to the device
     * before {@link #sqsync()}.
     *
     * @return a request id ≥ 0, or {@link #QUEUE_FULL}
     */
    public int read(long lba, int blocks, long bufferAddress, NvmeCallback callback, long token) {
        return submit(NvmeOpcode.READ, lba, blocks, bufferAddress, callback, token);
    }

    /** Queues a write; see {@link #read}. */
    public int write(long lba, int blocks, long bufferAddress, NvmeCallback callback, long token) {
        return submit(NvmeOpcode.WRITE, lba, blocks, bufferAddress, callback, token);
    }

    /** Queues a flush of the device's volatile write cache. */
    public int flush(NvmeCallback callback, long token) {
        checkOpen();
        if (freeCommandCount == 0 || submissionSlotsFree() == 0 || freeRequestCount == 0) {
            return QUEUE_FULL;
        }
        final int request = startRequest(callback, token, 1);
        final int commandId = takeCommand(request);
        command.wrap(submissionQueue, (long) sqTail * NvmeCommandDescriptor.LENGTH)
                .flush(commandId, namespaceId);
        advanceTail();
        return request;
    }

    private int submit(int opcode, long lba, int blocks, long bufferAddress, NvmeCallback callback, long token) {
        checkOpen();
        if (blocks < 1) {
            throw new IllegalArgumentException("a request must cover at least one block, not " + blocks);
        }
        if ((bufferAddress & PRP1_ALIGNMENT_MASK) != 0) {
            throw new IllegalArgumentException("buffer address 0x" + Long.toHexString(bufferAddress)
                    + " is not 4-byte aligned, which NVMe requires of a data pointer");
        }
        final int commands = (blocks + maxCommandBlocks - 1) / maxCommandBlocks;
        if (commands > maxCommandsInFlight) {
            throw new IllegalArgumentException("a request of " + blocks + " blocks needs " + commands
                    + " commands, more than this queue of depth " + depth + " can hold; split it");
        }
        if (commands > freeCommandCount || commands > submissionSlotsFree() || freeRequestCount == 0) {
            return QUEUE_FULL;
        }
        final int request = startRequest(callback, token, commands);
        long nextLba = lba;
        long nextAddress = bufferAddress;
        int blocksLeft = blocks;
        while (blocksLeft > 0) {
            final int commandBlocks = Math.min(blocksLeft, maxCommandBlocks);
            final int commandBytes = commandBlocks * blockSize;
            final int commandId = takeCommand(request);
            command.wrap(submissionQueue, (long) sqTail * NvmeCommandDescriptor.LENGTH);
            if (opcode == NvmeOpcode.READ) {
                command.readBlocks(commandId, namespaceId, nextLba, commandBlocks, 0L, 0L);
            } else {
                command.writeBlocks(commandId, namespaceId, nextLba, commandBlocks, 0L, 0L);
            }
            describeData(commandId, nextAddress, commandBytes);
            advanceTail();
            nextLba += commandBlocks;
            nextAddress += commandBytes;
            blocksLeft -= commandBlocks;
        }
        return request;
    }

    /**
     * PRP1 is the first byte; PRP2 is the second page when the transfer ends there, otherwise
     * the bus address of this command slot's PRP list, one entry per further page.
     */
    private void describeData(int commandId, long address, int length) {
        command.prp1(transport.busAddress(address));
        final int firstPageBytes = (int) (MEMORY_PAGE_SIZE - (address & PAGE_OFFSET_MASK));
        if (length <= firstPageBytes) {
            return;
        }
        final long secondPage = (address & ~PAGE_OFFSET_MASK) + MEMORY_PAGE_SIZE;
        final int remaining = length - firstPageBytes;
        if (remaining <= MEMORY_PAGE_SIZE) {
            command.prp2(transport.busAddress(secondPage));
            return;
        }
        final int entries = (remaining + MEMORY_PAGE_SIZE - 1) / MEMORY_PAGE_SIZE;
        final long listOffset = (long) commandId * MEMORY_PAGE_SIZE;
        for (int i = 0; i < entries; i++) {
            prpLists.set(
                    PRP_ENTRY,
                    listOffset + (long) i * Long.BYTES,
                    transport.busAddress(secondPage + (long) i * MEMORY_PAGE_SIZE));
        }
        command.prp2(transport.busAddress(prpListsAddress + listOffset));
    }

    private int startRequest(NvmeCallback callback, long token, int commands) {
        final int request = freeRequests[--freeRequestCount];
        requestToken[request] = token;
        requestCallback[request] = callback;
        requestCommandsPending[request] = commands;
        requestStatus[request] = NvmeStatus.SUCCESS;
        return request;
    }

    private int takeCommand(int request) {
        final int commandId = freeCommands[--freeCommandCount];
        commandRequest[commandId] = request;
        return commandId;
    }

    private void advanceTail() {
        sqTail = sqTail + 1 == depth ? 0 : sqTail + 1;
        submittedCommands++;
    }

    /**
     * Rings the SQ tail doorbell once for every entry queued since the last ring.
     *
     * @return 1 if the doorbell was rung, 0 if nothing was queued
     */
    public int sqsync() {
        checkOpen();
        if (sqTail == sqTailRung) {
            return 0;
        }
        // The entries must be visible to the device before it learns of the new tail.
        VarHandle.releaseFence();
        transport.ringSubmissionDoorbell(sqTail);
        sqTailRung = sqTail;
        return 1;
    }

    /**
     * Lets the transport post completions, then reads up to {@code limit} new completion
     * entries and runs the callback of every request whose last command completed.
     *
     * @return the number of completion entries consumed (the work done)
     */
    public int consumeCompletions(int limit) {
        checkOpen();
        transport.poll();
        int consumed = 0;
        while (consumed < limit && !closed) {
            completion.wrap(completionQueue, (long) cqHead * NvmeCompletionDescriptor.LENGTH);
            final int statusField = completion.statusFieldAcquire();
            if ((statusField & NvmeCompletionDescriptor.PHASE_TAG_BIT) != expectedPhase) {
                break;
            }
            final int commandId = completion.commandId();
            final int status = statusField >>> NvmeCompletionDescriptor.STATUS_SHIFT;
            final int reportedHead = completion.sqHead();
            if (reportedHead >= depth) {
                throw new IllegalStateException("device " + transport.name() + " reported SQ head " + reportedHead
                        + " in a queue of depth " + depth + ": the device or transport is faulty");
            }
            sqHead = reportedHead;
            if (++cqHead == depth) {
                cqHead = 0;
                expectedPhase ^= NvmeCompletionDescriptor.PHASE_TAG_BIT;
            }
            consumed++;
            completeCommand(commandId, status);
        }
        return consumed;
    }

    private void completeCommand(int commandId, int status) {
        if (commandId >= depth || commandRequest[commandId] == NO_REQUEST) {
            throw new IllegalStateException("device " + transport.name() + " completed command id " + commandId
                    + ", which is not in flight: the device or transport is faulty");
        }
        final int request = commandRequest[commandId];
        commandRequest[commandId] = NO_REQUEST;
        freeCommands[freeCommandCount++] = commandId;
        completedCommands++;
        if (!NvmeStatus.isSuccess(status) && NvmeStatus.isSuccess(requestStatus[request])) {
            requestStatus[request] = status;
        }
        if (--requestCommandsPending[request] == 0) {
            finishRequest(request, requestStatus[request]);
        }
    }

    /** Frees the request slot before the callback runs, so the callback may submit again. */
    private void finishRequest(int request, int status) {
        final long token = requestToken[request];
        final NvmeCallback callback = requestCallback[request];
        requestCallback[request] = null;
        freeRequests[freeRequestCount++] = request;
        completedRequests++;
        if (!NvmeStatus.isSuccess(status)) {
            failedRequests++;
        }
        callback.onComplete(token, status);
    }

    /**
     * Rings the CQ head doorbell if entries were consumed since the last ring; the device may
     * reuse those entries afterwards.
     *
     * @return 1 if the doorbell was rung, 0 otherwise
     */
    public int cqsync() {
        checkOpen();
        if (cqHead == cqHeadRung) {
            return 0;
        }
        transport.ringCompletionDoorbell(cqHead);
        cqHeadRung = cqHead;
        return 1;
    }

    /** Free submission queue entries, as far as the host knows from completions. */
    public int submissionSlotsFree() {
        final int used = sqTail >= sqHead ? sqTail - sqHead : sqTail + depth - sqHead;
        return depth - 1 - used;
    }

    /** Requests submitted whose callback has not run yet. */
    public int requestsInFlight() {
        return maxCommandsInFlight - freeRequestCount;
    }

    /** Commands submitted and not yet completed. */
    public int commandsInFlight() {
        return maxCommandsInFlight - freeCommandCount;
    }

    /** Most blocks one command carries here: the lesser of MDTS, one PRP list page and NLB. */
    public int maxBlocksPerCommand() {
        return maxCommandBlocks;
    }

    /** Largest request one submission accepts (it is split into at most depth - 1 commands). */
    public long maxRequestBlocks() {
        return (long) maxCommandBlocks * maxCommandsInFlight;
    }

    public long submittedCommands() {
        return submittedCommands;
    }

    public long completedCommands() {
        return completedCommands;
    }

    /** Requests whose callback has run (plain counter, for metrics read by the owning thread's meters). */
    public long completedRequests() {
        return completedRequests;
    }

    /** Requests completed with an error status, aborts at close included. */
    public long failedRequests() {
        return failedRequests;
    }

    public int queueDepth() {
        return depth;
    }

    public DeviceGeometry geometry() {
        return geometry;
    }

    public QueueTransport transport() {
        return transport;
    }

    public boolean isClosed() {
        return closed;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(
                    "queue pair on " + transport.name() + " transport is closed; open the device again to submit I/O");
        }
    }

    /**
     * Completes every request still in flight with {@link NvmeStatus#ABORTED_SQ_DELETION}
     * (the status a controller reports when its queue is deleted) and frees the PRP lists.
     * Does not close the transport. Calls afterwards throw {@link IllegalStateException}.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Arrays.fill(commandRequest, NO_REQUEST);
        for (int request = 0; request < maxCommandsInFlight; request++) {
            if (requestCallback[request] != null) {
                finishRequest(request, NvmeStatus.ABORTED_SQ_DELETION);
            }
        }
        prpArena.close();
    }
}
