package dev.atlas.diskmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.diskmap.buffer.DmaBufferPool;
import dev.atlas.diskmap.emulated.EmulatedFaults;
import dev.atlas.diskmap.emulated.EmulatedTransport;
import dev.atlas.diskmap.nvme.NvmeStatus;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After warm-up, 100,000 requests allocate 0 bytes on the thread that runs them.
 *
 * <p>What is measured: the emulated controller runs on the driver's thread (it is stepped from
 * {@code consumeCompletions}), so the figure covers the whole per-request path of the driver
 * (submission, PRP lists, MDTS splitting, doorbells, completion reaping, callbacks) AND the
 * controller model (fetch, validation, PRP walk, data copies, completion posting, out-of-order
 * choice, delays). The test's own loop and callback allocate nothing either. Not measured: the
 * volatile-write-cache fault model, which keeps pre-images on the heap and is off here.
 */
class AllocationFreeTest {
    private static final int BLOCK = 4096;
    private static final int DEPTH = 32;
    private static final int WARM_UP_REQUESTS = 200_000;
    private static final int MEASURED_REQUESTS = 100_000;

    @TempDir
    Path dir;

    /** Counts completions; a failure would be a bug here (no faults but reordering and delays). */
    static final class Completions implements NvmeCallback {
        long completed;
        long failed;
        final DmaBufferPool pool;

        Completions(DmaBufferPool pool) {
            this.pool = pool;
        }

        @Override
        public void onComplete(long token, int status) {
            completed++;
            if (!NvmeStatus.isSuccess(status)) {
                failed++;
            }
            pool.release((int) token);
        }
    }

    private long random = 0x2545F4914F6CDD1DL;

    private int nextInt(int bound) {
        random ^= random << 13;
        random ^= random >>> 7;
        random ^= random << 17;
        return (int) ((random >>> 33) % bound);
    }

    /** Runs {@code requests} reads, writes and flushes of 1..32 blocks, up to depth - 1 in flight. */
    private void run(NvmeQueuePair queuePair, DmaBufferPool pool, Completions completions, int requests) {
        final long target = completions.completed + requests;
        int submitted = 0;
        final long blocks = queuePair.geometry().blockCount();
        while (completions.completed < target) {
            while (submitted < requests) {
                final int buffer = pool.acquire();
                if (buffer == DmaBufferPool.NO_BUFFER) {
                    break;
                }
                final int kind = nextInt(10_000);
                final int count = 1 + nextInt(32);
                final long lba = nextInt((int) (blocks - count));
                // Few flushes: each one is an msync of the mapped image, which waits for the disk.
                final int id = kind < 1
                        ? queuePair.flush(completions, buffer)
                        : kind < 5_000
                                ? queuePair.read(lba, count, pool.address(buffer), completions, buffer)
                                : queuePair.write(lba, count, pool.address(buffer), completions, buffer);
                if (id == NvmeQueuePair.QUEUE_FULL) {
                    pool.release(buffer);
                    break;
                }
                submitted++;
            }
            queuePair.sqsync();
            if (queuePair.consumeCompletions(DEPTH) > 0) {
                queuePair.cqsync();
            }
        }
    }

    @Test
    void steadyStateRequestsAllocateNothing() throws IOException {
        final java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!(threads instanceof com.sun.management.ThreadMXBean allocation)
                || !allocation.isThreadAllocatedMemorySupported()) {
            throw new AssertionError("this JVM cannot count allocated bytes per thread (HotSpot can)");
        }
        allocation.setThreadAllocatedMemoryEnabled(true);
        final Path image = dir.resolve("alloc.img");
        Files.write(image, new byte[16 << 20]);
        // 64 KiB MDTS: requests of more than 16 blocks are split; most use PRP lists.
        final EmulatedFaults faults = EmulatedFaults.seeded(5).outOfOrder(true).delayPolls(0, 2);
        try (NvmeDevice device = NvmeDevice.over(
                EmulatedTransport.open(image, DEPTH, BLOCK, 16 * BLOCK, faults), Duration.ofSeconds(10))) {
            final DmaBufferPool pool = device.allocateBuffers(DEPTH - 1, 32 * BLOCK);
            final Completions completions = new Completions(pool);
            final NvmeQueuePair queuePair = device.queuePair();

            run(queuePair, pool, completions, WARM_UP_REQUESTS);
            allocation.getCurrentThreadAllocatedBytes();
            final long before = allocation.getCurrentThreadAllocatedBytes();
            run(queuePair, pool, completions, MEASURED_REQUESTS);
            final long allocated = allocation.getCurrentThreadAllocatedBytes() - before;

            assertEquals(0, completions.failed);
            assertEquals(WARM_UP_REQUESTS + MEASURED_REQUESTS, completions.completed);
            assertTrue(queuePair.completedCommands() > completions.completed, "some requests were split");
            System.out.println("AllocationFreeTest: " + MEASURED_REQUESTS + " requests, " + allocated
                    + " bytes allocated on the driver thread");
            assertEquals(0L, allocated, "bytes allocated by " + MEASURED_REQUESTS + " requests after warm-up");
        }
    }
}
