package dev.atlas.server.storage;

import dev.atlas.diskmap.NvmeCallback;
import dev.atlas.diskmap.NvmeDevice;
import dev.atlas.diskmap.NvmeQueuePair;
import dev.atlas.diskmap.buffer.DmaBufferPool;
import java.nio.file.Path;
import java.util.List;

/**
 * One lane's queues to the catalogue's drives (a queue pair per drive, DESIGN.md §3) and its
 * pool of chunk buffers, registered with every drive's transport. Reads are queued by
 * {@link #read}, handed to the drives once per lane pass by {@link #submit} (one doorbell per
 * drive for the whole batch) and completed by {@link #poll}, which runs their callbacks.
 * Lane thread only; nothing here allocates or blocks after {@link #open}.
 */
public final class LaneDrives implements AutoCloseable {
    /** Completions taken off one drive per pass, so one busy drive cannot starve the rest of the loop. */
    private static final int COMPLETIONS_PER_POLL = 64;

    private final NvmeDevice[] devices;
    private final DmaBufferPool buffers;
    private final int[] blockShift;

    private LaneDrives(NvmeDevice[] devices, DmaBufferPool buffers) {
        this.devices = devices;
        this.buffers = buffers;
        this.blockShift = new int[devices.length];
        for (int i = 0; i < devices.length; i++) {
            final int blockSize = devices[i].geometry().blockSize();
            if (Integer.bitCount(blockSize) != 1 || blockSize > ChunkLayout.BLOCK_BYTES) {
                throw new IllegalArgumentException(devices[i].description() + " has " + blockSize
                        + "-byte blocks; the catalogue needs a power of two of at most " + ChunkLayout.BLOCK_BYTES);
            }
            blockShift[i] = Integer.numberOfTrailingZeros(blockSize);
        }
    }

    /**
     * Opens every drive of the catalogue (in the catalogue's device order) through {@code transport}
     * and a pool of {@code bufferCount} chunk buffers registered with each.
     *
     * @throws dev.atlas.diskmap.transport.DiskmapException with an operator sentence when a drive cannot be opened
     */
    public static LaneDrives open(List<Path> drives, String transport, NvmeDevice.Options options, int bufferCount) {
        final NvmeDevice[] devices = new NvmeDevice[drives.size()];
        DmaBufferPool pool = null;
        try {
            for (int i = 0; i < devices.length; i++) {
                devices[i] = NvmeDevice.open(drives.get(i), transport, options);
            }
            pool = new DmaBufferPool(bufferCount, ChunkLayout.BUFFER_BYTES);
            for (NvmeDevice device : devices) {
                device.transport().registerMemory(pool.region());
            }
            return new LaneDrives(devices, pool);
        } catch (RuntimeException e) {
            for (NvmeDevice device : devices) {
                if (device != null) {
                    device.close();
                }
            }
            if (pool != null) {
                pool.close();
            }
            throw e;
        }
    }

    /**
     * Queues a read of {@code bytes} (whole catalogue blocks) at byte {@code address} of drive
     * {@code drive} into {@code bufferAddress}.
     *
     * @return a request id, or {@link NvmeQueuePair#QUEUE_FULL}
     */
    public int read(int drive, long address, int bytes, long bufferAddress, NvmeCallback callback, long token) {
        final int shift = blockShift[drive];
        return devices[drive].read(address >>> shift, bytes >>> shift, bufferAddress, callback, token);
    }

    /** Rings each drive's doorbell for what was queued since; returns how many drives were rung. */
    public int submit() {
        int rung = 0;
        for (NvmeDevice device : devices) {
            rung += device.sqsync();
        }
        return rung;
    }

    /** Runs the callbacks of completed reads; returns how many completions were consumed. */
    public int poll() {
        int consumed = 0;
        for (NvmeDevice device : devices) {
            final int n = device.consumeCompletions(COMPLETIONS_PER_POLL);
            if (n > 0) {
                device.cqsync();
                consumed += n;
            }
        }
        return consumed;
    }

    /** Whether drive {@code drive} can take another request now. */
    public boolean hasRoom(int drive) {
        return devices[drive].queuePair().submissionSlotsFree() > 0;
    }

    /** Free submission slots over all drives: how many reads could be queued now. */
    public int slotsFree() {
        int free = 0;
        for (NvmeDevice device : devices) {
            free += device.queuePair().submissionSlotsFree();
        }
        return free;
    }

    public int driveCount() {
        return devices.length;
    }

    public NvmeDevice drive(int index) {
        return devices[index];
    }

    public DmaBufferPool buffers() {
        return buffers;
    }

    /** Reads in flight on every drive. */
    public int readsInFlight() {
        int n = 0;
        for (NvmeDevice device : devices) {
            n += device.queuePair().requestsInFlight();
        }
        return n;
    }

    /** Aborts what is in flight, closes the drives, then frees the buffers. */
    @Override
    public void close() {
        try {
            for (NvmeDevice device : devices) {
                device.close();
            }
        } finally {
            buffers.close();
        }
    }
}
