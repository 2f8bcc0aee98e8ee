package dev.atlas.catalogue.device;

import dev.atlas.catalogue.error.CatalogueException;
import dev.atlas.diskmap.NvmeCallback;
import dev.atlas.diskmap.NvmeDevice;
import dev.atlas.diskmap.NvmeQueuePair;
import dev.atlas.diskmap.nvme.NvmeStatus;
import dev.atlas.diskmap.transport.DiskmapException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A catalogue device over a diskmap-java {@link NvmeDevice}: catalogue blocks of 4 KiB map to
 * {@code 4096 / logical block size} NVMe blocks; buffers come from pools registered with the
 * device's transport; every call is one blocking {@code *Sync} request (tools, not lanes), except
 * {@link #startWrite}, which queues an NVMe write and returns, so that several are in flight.
 */
public final class DiskmapBlockDevice implements BlockDevice {

    /** The transport the tools use unless told otherwise: io_uring, O_DIRECT. */
    public static final String DEFAULT_TRANSPORT = "file";

    private final Path path;
    private final NvmeDevice device;
    private final int deviceBlocksPerBlock;
    private final long blockCount;
    private final Duration timeout;
    private final StartedWrites started;

    private DiskmapBlockDevice(Path path, NvmeDevice device, Duration timeout) {
        this.path = path;
        this.device = device;
        this.timeout = timeout;
        this.started = new StartedWrites(device.queuePair().queueDepth() - 1);
        final int deviceBlockSize = device.geometry().blockSize();
        if (deviceBlockSize > BLOCK_SIZE) {
            device.close();
            throw new CatalogueException(path + " has " + deviceBlockSize + "-byte blocks; the catalogue needs"
                    + " blocks of at most " + BLOCK_SIZE + " bytes (reformat the namespace with 4 KiB"
                    + " or 512-byte LBAs)");
        }
        this.deviceBlocksPerBlock = BLOCK_SIZE / deviceBlockSize;
        this.blockCount = device.geometry().blockCount() / deviceBlocksPerBlock;
    }

    /** Opens an image file or block device through the default ({@code file}) transport. */
    public static DiskmapBlockDevice open(Path path) {
        return open(path, DEFAULT_TRANSPORT, NvmeDevice.Options.defaults());
    }

    /** Opens {@code path} through a named transport ({@code file}, {@code emulated}, {@code passthru}). */
    public static DiskmapBlockDevice open(Path path, String transport, NvmeDevice.Options options) {
        try {
            return new DiskmapBlockDevice(path, NvmeDevice.open(path, transport, options), options.syncTimeout());
        } catch (DiskmapException e) {
            throw new CatalogueException(e.getMessage(), e);
        }
    }

    /** The diskmap device underneath, for callers that need its queue (benchmarks). */
    public NvmeDevice nvmeDevice() {
        return device;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public int blockSize() {
        return BLOCK_SIZE;
    }

    @Override
    public long blockCount() {
        return blockCount;
    }

    @Override
    public MemorySegment allocateBuffer(long bytes) {
        final long rounded = Math.max(BLOCK_SIZE, (bytes + BLOCK_SIZE - 1) / BLOCK_SIZE * BLOCK_SIZE);
        if (rounded > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("buffer of " + bytes + " bytes is too large");
        }
        try {
            return device.allocateBuffers(1, (int) rounded).buffer(0);
        } catch (DiskmapException e) {
            throw new CatalogueException(e.getMessage(), e);
        }
    }

    @Override
    public void read(long lba, MemorySegment buffer) {
        final int blocks = blocksOf(lba, buffer, "read");
        try {
            device.readSync(lba * deviceBlocksPerBlock, blocks * deviceBlocksPerBlock, buffer);
        } catch (DiskmapException e) {
            throw new CatalogueException(e.getMessage(), e);
        }
    }

    @Override
    public void write(long lba, MemorySegment buffer) {
        final int blocks = blocksOf(lba, buffer, "write");
        try {
            device.writeSync(lba * deviceBlocksPerBlock, blocks * deviceBlocksPerBlock, buffer);
        } catch (DiskmapException e) {
            throw new CatalogueException(e.getMessage(), e);
        }
    }

    @Override
    public long startWrite(long lba, MemorySegment buffer) {
        final long nvmeBlocks = (long) blocksOf(lba, buffer, "write") * deviceBlocksPerBlock;
        if (nvmeBlocks > device.queuePair().maxRequestBlocks()) {
            write(lba, buffer);
            return NO_TICKET;
        }
        final long deadline = System.nanoTime() + timeout.toNanos();
        final long ticket = started.issued;
        final int slot = started.slot(ticket);
        while (!started.done[slot]) {
            progress(deadline); // the write that last used this slot is still in flight
        }
        started.done[slot] = false;
        started.lba[slot] = lba;
        boolean queued = false;
        try {
            while (device.write(lba * deviceBlocksPerBlock, (int) nvmeBlocks, buffer.address(), started, ticket)
                    == NvmeQueuePair.QUEUE_FULL) {
                device.sqsync();
                progress(deadline);
            }
            queued = true;
            started.issued++;
            started.inFlight++;
            device.sqsync();
        } catch (DiskmapException e) {
            throw new CatalogueException(e.getMessage(), e);
        } finally {
            if (!queued) {
                started.done[slot] = true;
            }
        }
        return ticket;
    }

    @Override
    public void awaitWrite(long ticket) {
        if (ticket != NO_TICKET && ticket >= started.issued - started.capacity()) {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (!started.done[started.slot(ticket)]) {
                progress(deadline);
            }
        }
        reportFailedWrite();
    }

    @Override
    public void awaitWrites() {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (started.inFlight > 0) {
            progress(deadline);
        }
        reportFailedWrite();
    }

    /** Reaps completions; gives up when none came by the deadline. */
    private void progress(long deadline) {
        try {
            if (device.consumeCompletions(started.capacity()) > 0) {
                device.cqsync();
            } else if (System.nanoTime() - deadline > 0) {
                throw new CatalogueException("writes to " + path + " did not complete within " + timeout.toMillis()
                        + " ms; the device is not answering");
            } else {
                Thread.onSpinWait();
            }
        } catch (DiskmapException e) {
            throw new CatalogueException(e.getMessage(), e);
        }
    }

    private void reportFailedWrite() {
        if (started.failed) {
            final int status = started.failedStatus;
            started.failed = false;
            throw new CatalogueException(
                    "writing " + path + " at LBA " + started.failedLba + " failed: " + NvmeStatus.describe(status));
        }
    }

    @Override
    public void flush() {
        awaitWrites();
        try {
            device.flushSync();
        } catch (DiskmapException e) {
            throw new CatalogueException(e.getMessage(), e);
        }
    }

    private int blocksOf(long lba, MemorySegment buffer, String what) {
        final long blocks = buffer.byteSize() / BLOCK_SIZE;
        if (buffer.byteSize() % BLOCK_SIZE != 0
                || blocks == 0
                || lba < 0
                || lba > blockCount - blocks
                || blocks * deviceBlocksPerBlock > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " of " + buffer.byteSize() + " bytes at LBA " + lba
                    + " does not fit " + path + " (" + blockCount + " blocks of " + BLOCK_SIZE + ")");
        }
        return (int) blocks;
    }

    @Override
    public void close() {
        device.close();
    }

    /**
     * The writes {@link #startWrite} queued: ticket {@code t} uses slot {@code t % capacity}, which
     * is reused only after that write completed, so one slot per request the queue can hold.
     */
    private static final class StartedWrites implements NvmeCallback {
        final boolean[] done;
        final long[] lba;
        long issued;
        int inFlight;
        boolean failed;
        int failedStatus;
        long failedLba;

        StartedWrites(int capacity) {
            done = new boolean[capacity];
            lba = new long[capacity];
            java.util.Arrays.fill(done, true);
        }

        int capacity() {
            return done.length;
        }

        int slot(long ticket) {
            return (int) (ticket % done.length);
        }

        @Override
        public void onComplete(long ticket, int status) {
            final int slot = slot(ticket);
            done[slot] = true;
            inFlight--;
            if (!NvmeStatus.isSuccess(status) && !failed) {
                failed = true;
                failedStatus = status;
                failedLba = lba[slot];
            }
        }
    }
}
