package dev.atlas.bench.catalogue;

import java.util.List;
import java.util.Locale;

/**
 * One timed copy of the benchmark's bytes.
 *
 * @param run          1-based run number
 * @param tool         {@code dd} or {@code import}
 * @param bytes        bytes copied (the sources' total length)
 * @param seconds      wall-clock seconds, final flush included
 * @param cachedChange change of {@code Cached:} in /proc/meminfo over the copy, bytes (machine-wide)
 */
record Timing(int run, String tool, long bytes, double seconds, long cachedChange) {

    double megabytesPerSecond() {
        return bytes / seconds / 1e6;
    }

    static String header() {
        return String.format(Locale.ROOT, "%-4s %-8s %9s %9s %13s", "run", "tool", "seconds", "MB/s", "Δcached(MiB)");
    }

    String row() {
        return String.format(
                Locale.ROOT,
                "%-4d %-8s %9.3f %9.1f %13d",
                run,
                tool,
                seconds,
                megabytesPerSecond(),
                cachedChange >> 20);
    }

    static String medianRow(String tool, double megabytesPerSecond) {
        return String.format(Locale.ROOT, "%-4s %-8s %9s %9.1f", "p50", tool, "", megabytesPerSecond);
    }

    /** Median MB/s of the rows of {@code tool} (the mean of the middle two for an even count). */
    static double medianMegabytesPerSecond(List<Timing> timings, String tool) {
        final double[] values = timings.stream()
                .filter(t -> t.tool().equals(tool))
                .mapToDouble(Timing::megabytesPerSecond)
                .sorted()
                .toArray();
        if (values.length == 0) {
            throw new IllegalArgumentException("no timings of " + tool);
        }
        final int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
