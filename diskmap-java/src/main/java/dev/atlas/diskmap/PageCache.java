package dev.atlas.diskmap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What the kernel's page cache holds, for the "no page cache" claims the tests and benchmarks
 * check: the system-wide {@code Cached:} figure of /proc/meminfo, the resident bytes of one file
 * (from {@code fincore}, util-linux), and a {@link Watch} that samples {@code Cached:} while work
 * runs and keeps the furthest it moved either way.
 */
public final class PageCache {
    private static final Path MEMINFO = Path.of("/proc/meminfo");
    private static final long KIB = 1024;
    private static final long FINCORE_SECONDS = 30;
    private static final long SAMPLE_MILLIS = 50;

    private PageCache() {}

    /** {@code Cached:} of /proc/meminfo, in bytes. */
    public static long cachedBytes() throws IOException {
        for (String line : Files.readAllLines(MEMINFO)) {
            if (line.startsWith("Cached:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * KIB;
            }
        }
        throw new IOException("no Cached: line in " + MEMINFO);
    }

    /** Bytes of {@code file} resident in the page cache, according to {@code fincore}. */
    public static long residentBytes(Path file) throws IOException, InterruptedException {
        final Process fincore = new ProcessBuilder(
                        "fincore", "--bytes", "--noheadings", "--output", "RES", file.toString())
                .redirectErrorStream(true)
                .start();
        final String output = new String(fincore.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!fincore.waitFor(FINCORE_SECONDS, TimeUnit.SECONDS) || fincore.exitValue() != 0) {
            fincore.destroyForcibly();
            throw new IOException("fincore " + file + " failed: " + output);
        }
        return Long.parseLong(output);
    }

    /** Samples {@code Cached:} every 50 ms on a daemon thread from {@link #start()} until {@link #stop()}. */
    public static final class Watch {
        private final long baseline;
        private final Thread thread;
        private volatile boolean running = true;
        private volatile long highest;
        private volatile long lowest;
        private volatile IOException failure;

        private Watch(long baseline) {
            this.baseline = baseline;
            this.highest = baseline;
            this.lowest = baseline;
            this.thread = Thread.ofPlatform().daemon().name("page-cache-watch").unstarted(this::run);
        }

        /** Takes {@code Cached:} as the baseline and starts sampling. */
        public static Watch start() throws IOException {
            final Watch watch = new Watch(cachedBytes());
            watch.thread.start();
            return watch;
        }

        private void run() {
            while (running) {
                sample();
                try {
                    Thread.sleep(SAMPLE_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private void sample() {
            try {
                final long now = cachedBytes();
                highest = Math.max(highest, now);
                lowest = Math.min(lowest, now);
            } catch (IOException e) {
                failure = e;
            }
        }

        /** Stops sampling (with a last sample) and says how far {@code Cached:} moved. */
        public Drift stop() throws IOException, InterruptedException {
            running = false;
            thread.join();
            sample();
            if (failure != null) {
                throw failure;
            }
            return new Drift(highest - baseline, baseline - lowest);
        }
    }

    /** How far {@code Cached:} rose above and fell below its value at the start of a {@link Watch}. */
    public record Drift(long rise, long fall) {
        /** The larger of the two. */
        public long most() {
            return Math.max(rise, fall);
        }
    }
}
