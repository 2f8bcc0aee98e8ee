package dev.atlas.diskmap;

import dev.atlas.diskmap.buffer.DmaBufferPool;
import dev.atlas.diskmap.emulated.EmulatedFaults;
import dev.atlas.diskmap.emulated.EmulatedTransport;
import dev.atlas.diskmap.nvme.NvmeOpcode;
import dev.atlas.diskmap.nvme.NvmeStatus;
import dev.atlas.diskmap.transport.DeviceGeometry;
import dev.atlas.diskmap.transport.DiskmapException;
import dev.atlas.diskmap.transport.QueueTransport;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An NVMe namespace opened through one transport with one I/O queue pair: diskmap-java's
 * library API, shaped like the thesis's libnvme (open, read, write, sqsync, consume
 * completions, cqsync, close).
 *
 * <p>The asynchronous calls are the lane's hot path and allocate nothing; the {@code *Sync}
 * calls spin until their own request completes and are meant for tools (the catalogue CLI),
 * not for the server. One thread uses a device at a time.
 */
public final class NvmeDevice implements AutoCloseable {

    /**
     * How to open a device.
     *
     * @param queueDepth       SQ/CQ entries (requests in flight ≤ depth - 1)
     * @param blockSize        block size of an {@code emulated} namespace (others report theirs)
     * @param maxTransferBytes MDTS of an {@code emulated} controller
     * @param faults           fault plan of an {@code emulated} controller
     * @param syncTimeout      how long a {@code *Sync} call waits before giving up
     */
    public record Options(
            int queueDepth, int blockSize, int maxTransferBytes, EmulatedFaults faults, Duration syncTimeout) {
        /** Queue depth unless chosen otherwise: deep enough for a lane, small enough for the LLC. */
        public static final int DEFAULT_QUEUE_DEPTH = 64;
        /** How long a blocking call waits unless chosen otherwise. */
        public static final Duration DEFAULT_SYNC_TIMEOUT = Duration.ofSeconds(30);

        public static Options defaults() {
            return new Options(
                    DEFAULT_QUEUE_DEPTH,
                    EmulatedTransport.DEFAULT_BLOCK_SIZE,
                    EmulatedTransport.DEFAULT_MAX_TRANSFER_BYTES,
                    EmulatedFaults.none(),
                    DEFAULT_SYNC_TIMEOUT);
        }

        public Options withQueueDepth(int depth) {
            return new Options(depth, blockSize, maxTransferBytes, faults, syncTimeout);
        }

        public Options withBlockSize(int size) {
            return new Options(queueDepth, size, maxTransferBytes, faults, syncTimeout);
        }

        public Options withMaxTransferBytes(int bytes) {
            return new Options(queueDepth, blockSize, bytes, faults, syncTimeout);
        }

        public Options withFaults(EmulatedFaults plan) {
            return new Options(queueDepth, blockSize, maxTransferBytes, plan, syncTimeout);
        }

        public Options withSyncTimeout(Duration timeout) {
            return new Options(queueDepth, blockSize, maxTransferBytes, faults, timeout);
        }
    }

    private final String description;
    private final QueueTransport transport;
    private final NvmeQueuePair queuePair;
    private final Duration syncTimeout;
    private final SyncCompletion syncCompletion = new SyncCompletion();
    private final List<DmaBufferPool> pools = new ArrayList<>();
    private boolean closed;

    private NvmeDevice(String description, QueueTransport transport, Duration syncTimeout) {
        this.description = description;
        this.transport = transport;
        this.syncTimeout = syncTimeout;
        try {
            this.queuePair = new NvmeQueuePair(transport);
        } catch (RuntimeException e) {
            transport.close();
            throw e;
        }
    }

    /**
     * Opens {@code path} through {@code transport}.
     *
     * @throws DiskmapException with an operator sentence when it cannot be opened
     */
    public static NvmeDevice open(Path path, Transport transport, Options options) {
        final QueueTransport opened;
        try {
            opened = transport.open(path, options);
        } catch (IOException e) {
            throw new DiskmapException(
                    "cannot open " + path + " with the " + transport + " transport: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new DiskmapException("cannot open " + path + ": " + e.getMessage(), e);
        }
        return new NvmeDevice(transport + ":" + path, opened, options.syncTimeout());
    }

    /**
     * Opens {@code path} through the transport an operator named ({@code file}, {@code passthru},
     * {@code emulated}; see {@link Transport}).
     *
     * @throws DiskmapException with an operator sentence for an unknown name or when it cannot be opened
     */
    public static NvmeDevice open(Path path, String transportLabel, Options options) {
        final Transport transport;
        try {
            transport = Transport.named(transportLabel);
        } catch (IllegalArgumentException e) {
            throw new DiskmapException("cannot open " + path + ": " + e.getMessage(), e);
        }
        return open(path, transport, options);
    }

    /** Opens {@code path} with default options. */
    public static NvmeDevice open(Path path, String transportLabel) {
        return open(path, transportLabel, Options.defaults());
    }

    /** Wraps an already opened transport (benchmarks, tests); the device closes it. */
    public static NvmeDevice over(QueueTransport transport, Duration syncTimeout) {
        return new NvmeDevice(transport.name(), transport, syncTimeout);
    }

    /**
     * A pool of DMA buffers registered with this device's transport; closed with the device.
     */
    public DmaBufferPool allocateBuffers(int bufferCount, int bufferSize) {
        checkOpen();
        final DmaBufferPool pool = new DmaBufferPool(bufferCount, bufferSize);
        try {
            transport.registerMemory(pool.region());
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        pools.add(pool);
        return pool;
    }

    /** See {@link NvmeQueuePair#read}. */
    public int read(long lba, int blocks, long bufferAddress, NvmeCallback callback, long token) {
        return queuePair.read(lba, blocks, bufferAddress, callback, token);
    }

    /** See {@link NvmeQueuePair#write}. */
    public int write(long lba, int blocks, long bufferAddress, NvmeCallback callback, long token) {
        return queuePair.write(lba, blocks, bufferAddress, callback, token);
    }

    /** See {@link NvmeQueuePair#flush}. */
    public int flush(NvmeCallback callback, long token) {
        return queuePair.flush(callback, token);
    }

    public int sqsync() {
        return queuePair.sqsync();
    }

    public int consumeCompletions(int limit) {
        return queuePair.consumeCompletions(limit);
    }

    public int cqsync() {
        return queuePair.cqsync();
    }

    /** Reads {@code blocks} blocks at {@code lba} into {@code buffer} and waits; throws on error. */
    public void readSync(long lba, int blocks, MemorySegment buffer) {
        checkLength(blocks, buffer);
        runSync(NvmeOpcode.READ, lba, blocks, buffer.address());
    }

    /** Writes {@code blocks} blocks from {@code buffer} at {@code lba} and waits; throws on error. */
    public void writeSync(long lba, int blocks, MemorySegment buffer) {
        checkLength(blocks, buffer);
        runSync(NvmeOpcode.WRITE, lba, blocks, buffer.address());
    }

    /** Flushes the device's write cache and waits; throws on error. */
    public void flushSync() {
        runSync(NvmeOpcode.FLUSH, 0, 0, 0);
    }

    private void checkLength(int blocks, MemorySegment buffer) {
        final long needed = (long) blocks * geometry().blockSize();
        if (buffer.byteSize() < needed) {
            throw new IllegalArgumentException(
                    blocks + " blocks need " + needed + " bytes but the buffer holds " + buffer.byteSize());
        }
    }

    /** Runs one blocking request, in pieces of at most what one queue-pair request may carry. */
    private void runSync(int opcode, long lba, int blocks, long address) {
        checkOpen();
        if (opcode == NvmeOpcode.FLUSH) {
            runSyncRequest(opcode, 0, 0, 0);
            return;
        }
        final int pieceBlocks = (int) Math.min(Integer.MAX_VALUE, queuePair.maxRequestBlocks());
        final long blockSize = geometry().blockSize();
        for (int done = 0; done < blocks; ) {
            final int piece = Math.min(pieceBlocks, blocks - done);
            runSyncRequest(opcode, lba + done, piece, address + done * blockSize);
            done += piece;
        }
    }

    private void runSyncRequest(int opcode, long lba, int blocks, long address) {
        final long deadline = System.nanoTime() + syncTimeout.toNanos();
        syncCompletion.done = false;
        while (submit(opcode, lba, blocks, address) == NvmeQueuePair.QUEUE_FULL) {
            queuePair.sqsync();
            progress(opcode, lba, blocks, deadline);
        }
        queuePair.sqsync();
        while (!syncCompletion.done) {
            progress(opcode, lba, blocks, deadline);
        }
        final int status = syncCompletion.status;
        if (!NvmeStatus.isSuccess(status)) {
            throw new DiskmapException(
                    what(opcode, lba, blocks) + " on " + description + " failed: " + NvmeStatus.describe(status),
                    status);
        }
    }

    private int submit(int opcode, long lba, int blocks, long address) {
        return switch (opcode) {
            case NvmeOpcode.READ -> queuePair.read(lba, blocks, address, syncCompletion, 0);
            case NvmeOpcode.WRITE -> queuePair.write(lba, blocks, address, syncCompletion, 0);
            default -> queuePair.flush(syncCompletion, 0);
        };
    }

    private void progress(int opcode, long lba, int blocks, long deadline) {
        if (queuePair.consumeCompletions(queuePair.queueDepth()) > 0) {
            queuePair.cqsync();
        } else {
            if (System.nanoTime() - deadline > 0) {
                throw new DiskmapException(what(opcode, lba, blocks) + " on " + description
                        + " did not complete within " + syncTimeout.toMillis() + " ms; the device is not answering");
            }
            Thread.onSpinWait();
        }
    }

    private static String what(int opcode, long lba, int blocks) {
        return opcode == NvmeOpcode.FLUSH
                ? "flush"
                : NvmeOpcode.name(opcode) + " of " + blocks + " blocks at LBA " + lba;
    }

    public DeviceGeometry geometry() {
        return queuePair.geometry();
    }

    public NvmeQueuePair queuePair() {
        return queuePair;
    }

    public QueueTransport transport() {
        return transport;
    }

    /** {@code transport:path}, for logs and messages. */
    public String description() {
        return description;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("device " + description + " is closed");
        }
    }

    /** Aborts requests in flight (their callbacks see an abort status), then releases everything. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            queuePair.close();
        } finally {
            transport.close();
            for (DmaBufferPool pool : pools) {
                pool.close();
            }
        }
    }

    /** The callback of the one {@code *Sync} request in flight. */
    private static final class SyncCompletion implements NvmeCallback {
        boolean done;
        int status;

        @Override
        public void onComplete(long token, int status) {
            this.status = status;
            this.done = true;
        }
    }
}
