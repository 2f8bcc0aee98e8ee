package dev.atlas.bench.diskmap;

import dev.atlas.diskmap.NvmeCallback;
import dev.atlas.diskmap.NvmeDevice;
import dev.atlas.diskmap.NvmeQueuePair;
import dev.atlas.diskmap.buffer.DmaBufferPool;
import dev.atlas.diskmap.nvme.NvmeStatus;
import dev.atlas.diskmap.transport.DiskmapException;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * Keeps {@code queueDepth} random block-aligned reads outstanding on one device from one
 * thread, as a lane would: submit into every free buffer, one doorbell per pass, reap, repeat.
 * Latency is submit-to-callback, recorded in an HdrHistogram (no allocation per read).
 */
final class RandomReadLoad implements NvmeCallback {
    private static final long MAX_LATENCY_NANOS = 10_000_000_000L;
    private static final int SIGNIFICANT_DIGITS = 3;

    private final NvmeDevice device;
    private final int queueDepth;
    private final int blocksPerRead;
    private final int readBytes;
    private final long readSlots;
    private final DmaBufferPool pool;
    private final SplittableRandom random;
    private final long[] startNanos;
    private final int[] free;
    private final Histogram latency = new Histogram(MAX_LATENCY_NANOS, SIGNIFICANT_DIGITS);
    private int freeCount;
    private long completed;
    private long failed;
    private int firstFailure;

    RandomReadLoad(NvmeDevice device, int queueDepth, int readBytes, long seed) {
        this.device = device;
        this.queueDepth = queueDepth;
        this.readBytes = readBytes;
        int blockSize = device.geometry().blockSize();
        if (readBytes % blockSize != 0) {
            throw new DiskmapException(
                    "read size " + readBytes + " is not a multiple of the device's " + blockSize + "-byte block");
        }
        this.blocksPerRead = readBytes / blockSize;
        this.readSlots = device.geometry().blockCount() / blocksPerRead;
        if (readSlots < 1) {
            throw new DiskmapException("the image is smaller than one " + readBytes + "-byte read");
        }
        int bufferBytes = (readBytes + DmaBufferPool.PAGE_SIZE - 1) / DmaBufferPool.PAGE_SIZE * DmaBufferPool.PAGE_SIZE;
        this.pool = device.allocateBuffers(queueDepth, bufferBytes);
        this.random = new SplittableRandom(seed);
        this.startNanos = new long[queueDepth];
        this.free = new int[queueDepth];
        for (int i = 0; i < queueDepth; i++) {
            free[freeCount++] = queueDepth - 1 - i;
        }
    }

    /** Runs a warm-up (not counted), then measures for {@code seconds}. */
    Measurement run(String tool, double warmupSeconds, double seconds) {
        drive(warmupSeconds);
        latency.reset();
        completed = 0;
        long start = System.nanoTime();
        drive(seconds);
        long elapsed = System.nanoTime() - start;
        if (failed > 0) {
            throw new DiskmapException(failed + " reads failed on " + device.description() + ", e.g. "
                    + NvmeStatus.describe(firstFailure));
        }
        double perSecond = 1e9 / elapsed;
        return new Measurement(
                tool,
                queueDepth,
                completed * perSecond,
                completed * (double) readBytes * perSecond,
                latency.getValueAtPercentile(50) / 1000.0,
                latency.getValueAtPercentile(99) / 1000.0);
    }

    private void drive(double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            while (freeCount > 0) {
                int slot = free[--freeCount];
                long lba = random.nextLong(readSlots) * blocksPerRead;
                startNanos[slot] = System.nanoTime();
                if (device.read(lba, blocksPerRead, pool.address(slot), this, slot) == NvmeQueuePair.QUEUE_FULL) {
                    free[freeCount++] = slot;
                    break;
                }
            }
            device.sqsync();
            device.consumeCompletions(queueDepth);
            device.cqsync();
        }
        long drainEnd = System.nanoTime() + MAX_LATENCY_NANOS;
        while (freeCount < queueDepth && System.nanoTime() < drainEnd) {
            device.consumeCompletions(queueDepth);
            device.cqsync();
        }
    }

    @Override
    public void onComplete(long token, int status) {
        int slot = (int) token;
        long now = System.nanoTime();
        if (!NvmeStatus.isSuccess(status)) {
            if (failed++ == 0) {
                firstFailure = status;
            }
        } else {
            latency.recordValue(Math.min(now - startNanos[slot], MAX_LATENCY_NANOS));
            completed++;
        }
        free[freeCount++] = slot;
    }
}
