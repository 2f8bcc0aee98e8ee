package dev.atlas.diskmap.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.atlas.diskmap.NvmeCallback;
import dev.atlas.diskmap.NvmeQueuePair;
import dev.atlas.diskmap.PageCache;
import dev.atlas.diskmap.buffer.DmaBufferPool;
import dev.atlas.diskmap.nvme.NvmeStatus;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * NO PAGE CACHE: writes a 2 GiB image through the {@code file} transport (O_DIRECT), drops
 * nothing, reads it end to end and checks every byte, then asserts that {@code Cached:} in
 * /proc/meminfo stayed within 64 MiB of its start and that {@code fincore} finds 0 resident
 * bytes of the image.
 *
 * <p>The image lives in this module's {@code target/} directory, not in /tmp: /tmp may be a
 * tmpfs (RAM) on other machines, while {@code target/} sits on the disk holding the checkout
 * (ext4 on the development VM). Other processes on the machine can move {@code Cached:}; the
 * 64 MiB margin absorbs ordinary noise such as a build reading its jars.
 */
@Tag("slow")
class NoPageCacheTest {
    private static final long IMAGE_BYTES = 2L << 30;
    private static final int CHUNK_BYTES = 1 << 20;
    private static final int CHUNKS = (int) (IMAGE_BYTES / CHUNK_BYTES);
    private static final int QUEUE_DEPTH = 32;
    private static final int BUFFERS = 16;
    private static final long CACHED_MARGIN_BYTES = 64L << 20;

    /** Counts completions of one phase; a long-lived object, not a capturing lambda. */
    private static final class Tally implements NvmeCallback {
        int done;
        int failures;
        int lastFailure;
        int[] freeBuffers = new int[BUFFERS];
        int[] chunkOfBuffer = new int[BUFFERS];
        int freeCount;

        @Override
        public void onComplete(long token, int status) {
            done++;
            if (!NvmeStatus.isSuccess(status)) {
                failures++;
                lastFailure = status;
            }
            int buffer = (int) (token >>> 32);
            chunkOfBuffer[buffer] = (int) token;
            freeBuffers[freeCount++] = buffer;
        }
    }

    @Test
    void twoGibibytesThroughFileTransportLeaveNoPageCache() throws Exception {
        Path dir = Path.of("target", "no-page-cache").toAbsolutePath();
        Files.createDirectories(dir);
        boolean haveFincore =
                new ProcessBuilder("sh", "-c", "command -v fincore").start().waitFor() == 0;
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(haveFincore, "fincore (util-linux) is missing; ./atlas test installs it");
        }
        assumeTrue(haveFincore, "fincore (util-linux) is not installed");
        assumeTrue(dir.toFile().getUsableSpace() > IMAGE_BYTES + (1L << 30), "less than 3 GiB free under " + dir);

        Path image = dir.resolve("two-gib.img");
        try {
            long cachedAtStart = PageCache.cachedBytes();
            try (RandomAccessFile raf = new RandomAccessFile(image.toFile(), "rw")) {
                raf.setLength(IMAGE_BYTES);
            }
            long worstDrift = 0;
            try (DmaBufferPool pool = new DmaBufferPool(BUFFERS, CHUNK_BYTES);
                    FileTransport transport = FileTransport.open(image, QUEUE_DEPTH)) {
                transport.registerMemory(pool.region());
                NvmeQueuePair queue = new NvmeQueuePair(transport);
                int blocksPerChunk = CHUNK_BYTES / transport.geometry().blockSize();

                run(queue, pool, blocksPerChunk, true);
                worstDrift = Math.max(worstDrift, Math.abs(PageCache.cachedBytes() - cachedAtStart));
                run(queue, pool, blocksPerChunk, false);
                worstDrift = Math.max(worstDrift, Math.abs(PageCache.cachedBytes() - cachedAtStart));
                queue.close();
            }
            assertTrue(
                    worstDrift <= CACHED_MARGIN_BYTES,
                    "Cached: moved by " + (worstDrift >> 20)
                            + " MiB while 2 GiB went through the file transport (limit 64 MiB)");
            assertEquals(0L, PageCache.residentBytes(image), "fincore found page-cache pages of " + image);
        } finally {
            Files.deleteIfExists(image);
        }
    }

    /** Writes (or reads and verifies) every chunk with up to BUFFERS requests outstanding. */
    private static void run(NvmeQueuePair queue, DmaBufferPool pool, int blocksPerChunk, boolean write) {
        Tally tally = new Tally();
        for (int i = 0; i < BUFFERS; i++) {
            tally.freeBuffers[tally.freeCount++] = i;
        }
        int submitted = 0;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        int verified = 0;
        while (tally.done < CHUNKS) {
            while (submitted < CHUNKS && tally.freeCount > 0) {
                int buffer = tally.freeBuffers[--tally.freeCount];
                if (write) {
                    fill(pool.buffer(buffer), submitted);
                }
                long token = ((long) buffer << 32) | submitted;
                long lba = (long) submitted * blocksPerChunk;
                int request = write
                        ? queue.write(lba, blocksPerChunk, pool.address(buffer), tally, token)
                        : queue.read(lba, blocksPerChunk, pool.address(buffer), tally, token);
                if (request == NvmeQueuePair.QUEUE_FULL) {
                    tally.freeBuffers[tally.freeCount++] = buffer;
                    break;
                }
                submitted++;
            }
            queue.sqsync();
            int doneBefore = tally.done;
            int freeBefore = tally.freeCount;
            queue.consumeCompletions(QUEUE_DEPTH);
            queue.cqsync();
            if (!write) {
                // Verify the buffers that just came back, before they are reused.
                for (int i = freeBefore; i < tally.freeCount; i++) {
                    int buffer = tally.freeBuffers[i];
                    verified += verify(pool.buffer(buffer), tally.chunkOfBuffer[buffer]) ? 1 : 0;
                }
            }
            if (tally.done == doneBefore && System.nanoTime() > deadline) {
                fail("the file transport stopped completing requests after " + tally.done + " of " + CHUNKS);
            }
        }
        assertEquals(0, tally.failures, () -> "I/O failed: " + NvmeStatus.describe(tally.lastFailure));
        if (!write) {
            assertEquals(CHUNKS, verified, "chunks whose content matched what was written");
        }
    }

    private static void fill(MemorySegment buffer, long chunk) {
        long seed = chunk * (CHUNK_BYTES / Long.BYTES);
        for (long i = 0; i < CHUNK_BYTES / Long.BYTES; i++) {
            buffer.setAtIndex(ValueLayout.JAVA_LONG, i, mix(seed + i));
        }
    }

    private static boolean verify(MemorySegment buffer, long chunk) {
        long seed = chunk * (CHUNK_BYTES / Long.BYTES);
        for (long i = 0; i < CHUNK_BYTES / Long.BYTES; i++) {
            if (buffer.getAtIndex(ValueLayout.JAVA_LONG, i) != mix(seed + i)) {
                return false;
            }
        }
        return true;
    }

    /** SplitMix64 finaliser: cheap, and every 8-byte word of the image differs. */
    private static long mix(long x) {
        long z = x + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
