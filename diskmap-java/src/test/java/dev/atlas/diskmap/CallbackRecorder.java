package dev.atlas.diskmap;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Test callback: counts completions per token (tokens 0..n-1) and keeps each one's status, so a
 * test can check that every request completed exactly once and how.
 */
public final class CallbackRecorder implements NvmeCallback {
    public final int[] calls;
    public final int[] statuses;
    public int total;

    public CallbackRecorder(int tokens) {
        calls = new int[tokens];
        statuses = new int[tokens];
    }

    @Override
    public void onComplete(long token, int status) {
        calls[(int) token]++;
        statuses[(int) token] = status;
        total++;
    }

    /** Rings the doorbell and consumes completions until {@code expectedTotal} callbacks ran (fails if they stop). */
    public void drain(NvmeQueuePair queuePair, int expectedTotal) {
        queuePair.sqsync();
        for (int spins = 0; total < expectedTotal; spins++) {
            assertTrue(spins < 1_000_000, "completions stopped arriving at " + total + " of " + expectedTotal);
            if (queuePair.consumeCompletions(Integer.MAX_VALUE) > 0) {
                queuePair.cqsync();
            }
        }
    }
}
