package dev.atlas.bench.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the whole machine did between two moments: busy CPU time from {@code /proc/stat} (all
 * cores, so softirq work of the veths is in it) and the size of the page cache ({@code Cached:}).
 */
record HostSample(long nanos, long busyTicks, long cachedBytes) {
    /** USER_HZ: the unit of /proc/stat and /proc/PID/stat times on Linux. */
    static final double TICKS_PER_SECOND = 100.0;

    private static final Path STAT = Path.of("/proc/stat");
    private static final Path MEMINFO = Path.of("/proc/meminfo");

    static HostSample now() throws IOException {
        return new HostSample(
                System.nanoTime(), busyTicks(Files.readAllLines(STAT)), cachedBytes(Files.readAllLines(MEMINFO)));
    }

    /** Cores kept busy on average since {@code before}. */
    double busyCoresSince(HostSample before) {
        final double seconds = (nanos - before.nanos) / 1e9;
        return seconds <= 0 ? 0 : (busyTicks - before.busyTicks) / TICKS_PER_SECOND / seconds;
    }

    /** Change of the page cache since {@code before}, bytes. */
    long cachedChangeSince(HostSample before) {
        return cachedBytes - before.cachedBytes;
    }

    /** Ticks not idle and not waiting for I/O on the aggregate {@code cpu} line. */
    static long busyTicks(List<String> stat) {
        for (String line : stat) {
            if (line.startsWith("cpu ")) {
                final String[] f = line.trim().split("\\s+");
                long busy = 0;
                for (int i = 1; i < f.length && i <= 7; i++) {
                    // user nice system idle iowait irq softirq: busy is all but idle and iowait (steal is the host's)
                    if (i != 4 && i != 5) {
                        busy += Long.parseLong(f[i]);
                    }
                }
                return busy;
            }
        }
        throw new IllegalStateException("/proc/stat has no aggregate cpu line");
    }

    static long cachedBytes(List<String> meminfo) {
        for (String line : meminfo) {
            if (line.startsWith("Cached:")) {
                return Long.parseLong(line.substring("Cached:".length())
                                .replace("kB", "")
                                .strip())
                        * 1024;
            }
        }
        throw new IllegalStateException("/proc/meminfo has no Cached: line");
    }

    /** Writes dirty pages out and drops the page cache, dentries and inodes (root only). */
    static void dropCaches() throws IOException {
        try {
            final Process sync = new ProcessBuilder("sync").start();
            sync.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while syncing before dropping caches", e);
        }
        Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
    }

    /** utime + stime of one process (all its threads), seconds; 0 when it has exited. */
    static double processCpuSeconds(long pid) {
        return cpuSeconds(pid, false);
    }

    /**
     * utime + stime of one process and of its children that have exited and been waited for
     * (cutime + cstime): a parent that reaps its workers keeps their CPU time this way.
     */
    static double processCpuSecondsWithReapedChildren(long pid) {
        return cpuSeconds(pid, true);
    }

    private static double cpuSeconds(long pid, boolean reapedChildren) {
        try {
            final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // comm (field 2) may hold spaces: count from its closing parenthesis; utime, stime, cutime, cstime are
            // fields 14-17.
            final String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(rest[11]) + Long.parseLong(rest[12]);
            if (reapedChildren) {
                ticks += Long.parseLong(rest[13]) + Long.parseLong(rest[14]);
            }
            return ticks / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }
}
