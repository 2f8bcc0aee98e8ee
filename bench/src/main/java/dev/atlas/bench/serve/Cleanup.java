package dev.atlas.bench.serve;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a bench run has started or made (servers, middlebox, namespaces, the cgroup), undone in
 * reverse order by {@link #close()} or, when the run is interrupted (Ctrl-C, SIGTERM), by a
 * shutdown hook. Each step is tried even when an earlier one fails.
 */
final class Cleanup implements AutoCloseable {
    /** One undo step; it must be safe to run twice. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private final Deque<Step> steps = new ArrayDeque<>();
    private final Thread hook = new Thread(this::runAll, "bench-serve-cleanup");
    private boolean hooked;

    Cleanup() {
        Runtime.getRuntime().addShutdownHook(hook);
        hooked = true;
    }

    /** Registers {@code step} and returns {@code value}, for {@code x = cleanup.add(start(), x::close)}. */
    synchronized <T> T add(T value, Step step) {
        steps.push(step);
        return value;
    }

    /** Runs and forgets the most recent step that is {@code step} (an early, orderly undo). */
    synchronized void runNow(Step step) {
        if (steps.remove(step)) {
            runOne(step);
        }
    }

    private synchronized void runAll() {
        while (!steps.isEmpty()) {
            runOne(steps.pop());
        }
    }

    private static void runOne(Step step) {
        try {
            step.run();
        } catch (Exception e) {
            System.err.println("bench serve: cleanup step failed: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        runAll();
        if (hooked) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or has run.
            }
            hooked = false;
        }
    }
}
