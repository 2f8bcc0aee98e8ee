package dev.atlas.diskmap.emulated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.atlas.diskmap.NvmeCallback;
import dev.atlas.diskmap.NvmeDevice;
import dev.atlas.diskmap.NvmeQueuePair;
import dev.atlas.diskmap.buffer.DmaBufferPool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A seed fixes everything the controller chooses: completion order, delays and failures replay exactly. */
class EmulatedDeterminismTest {
    private static final int REQUESTS = 5_000;

    @TempDir
    Path dir;

    /** Completion order and statuses of a fixed request stream, as one array of token*2^16+status. */
    private long[] run(long seed) throws IOException {
        Path image = dir.resolve("det-" + seed + "-" + System.nanoTime() + ".img");
        Files.write(image, new byte[1 << 20]);
        EmulatedFaults faults =
                EmulatedFaults.seeded(seed).outOfOrder(true).delayPolls(0, 6).errorRate(0.02);
        long[] order = new long[REQUESTS];
        int[] count = new int[1];
        NvmeCallback record = (token, status) -> order[count[0]++] = (token << 16) | status;
        try (NvmeDevice device =
                NvmeDevice.over(EmulatedTransport.open(image, 16, 4096, 8192, faults), Duration.ofSeconds(10))) {
            NvmeQueuePair queuePair = device.queuePair();
            DmaBufferPool pool = device.allocateBuffers(1, 4 * 4096);
            int submitted = 0;
            while (count[0] < REQUESTS) {
                while (submitted < REQUESTS
                        && queuePair.read(submitted % 200, 1 + submitted % 4, pool.address(0), record, submitted)
                                >= 0) {
                    submitted++;
                }
                queuePair.sqsync();
                if (queuePair.consumeCompletions(16) > 0) {
                    queuePair.cqsync();
                }
            }
        }
        return order;
    }

    @Test
    void sameSeedSameRunOtherSeedOtherRun() throws IOException {
        long[] first = run(1234);
        long[] again = run(1234);
        long[] other = run(4321);
        assertArrayEquals(first, again);
        assertFalse(Arrays.equals(first, other));
        long[] tokens = Arrays.stream(first).map(v -> v >>> 16).sorted().toArray();
        for (int i = 0; i < REQUESTS; i++) {
            assertEquals(i, tokens[i], "every request completed exactly once");
        }
        assertFalse(
                Arrays.equals(Arrays.stream(first).map(v -> v >>> 16).toArray(), tokens),
                "completions came out of order");
    }
}
