package dev.atlas.bench.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one wrk run reported through the bench's Lua script ({@code serve-bench …} lines), plus
 * wrk's own CPU time as its shell measured it ({@code times}).
 *
 * @param latencyPercentilesMicros percentile (0–100) → latency in µs, for the CDF
 * @param threadRequests           requests each wrk thread made
 */
record WrkReport(
        long requests,
        long bytes,
        long durationMicros,
        long connectErrors,
        long readErrors,
        long writeErrors,
        long statusErrors,
        long timeouts,
        long maxLatencyMicros,
        Map<Double, Long> latencyPercentilesMicros,
        List<Long> threadRequests,
        double clientCpuSeconds) {
    static final String MARK = "serve-bench ";

    long errors() {
        return connectErrors + readErrors + writeErrors + statusErrors + timeouts;
    }

    /** The latency at percentile {@code p} in ms (the nearest percentile the script printed at or above it). */
    double latencyMillis(double p) {
        final Map.Entry<Double, Long> e = ((TreeMap<Double, Long>) latencyPercentilesMicros).ceilingEntry(p);
        return e == null ? maxLatencyMicros / 1000.0 : e.getValue() / 1000.0;
    }

    /** Parses wrk's output; throws naming what is missing (e.g. wrk stopped before done() ran). */
    static WrkReport parse(String output) {
        Map<String, Long> summary = null;
        long maxLatency = 0;
        final TreeMap<Double, Long> percentiles = new TreeMap<>();
        final List<Long> threads = new ArrayList<>();
        double cpu = 0;
        final List<String> lines = output.lines().toList();
        for (String line : lines) {
            if (line.startsWith(MARK + "summary ")) {
                summary = fields(line.substring((MARK + "summary ").length()));
            } else if (line.startsWith(MARK + "latency ")) {
                maxLatency =
                        fields(line.substring((MARK + "latency ").length())).getOrDefault("max_us", 0L);
            } else if (line.startsWith(MARK + "percentile ")) {
                final String[] f =
                        line.substring((MARK + "percentile ").length()).trim().split("\\s+");
                percentiles.put(Double.parseDouble(f[0]), Long.parseLong(f[1]));
            } else if (line.startsWith(MARK + "thread ")) {
                final String[] f =
                        line.substring((MARK + "thread ").length()).trim().split("\\s+");
                threads.add(fields(f[1]).getOrDefault("requests", 0L));
            }
        }
        // The shell's `times` prints two lines; the last is its children's (wrk's) user and system time.
        for (int i = lines.size() - 1; i >= 0; i--) {
            final String[] f = lines.get(i).trim().split("\\s+");
            if (f.length == 2 && f[0].matches("\\d+m[\\d.]+s") && f[1].matches("\\d+m[\\d.]+s")) {
                cpu = shellTime(f[0]) + shellTime(f[1]);
                break;
            }
        }
        // wrk's percentile(100) finds no rank past the last sample and says 0: the maximum is the 100th percentile.
        percentiles.put(100.0, maxLatency);
        if (summary == null) {
            throw new IllegalStateException(
                    "wrk printed no summary (did it run to its end?); it said:\n" + output.strip());
        }
        return new WrkReport(
                summary.get("requests"),
                summary.get("bytes"),
                summary.get("duration_us"),
                summary.get("connect"),
                summary.get("read"),
                summary.get("write"),
                summary.get("status"),
                summary.get("timeout"),
                maxLatency,
                percentiles,
                List.copyOf(threads),
                cpu);
    }

    private static Map<String, Long> fields(String text) {
        final Map<String, Long> values = new TreeMap<>();
        for (String pair : text.trim().split("\\s+")) {
            final int eq = pair.indexOf('=');
            if (eq > 0) {
                values.put(pair.substring(0, eq), (long) Double.parseDouble(pair.substring(eq + 1)));
            }
        }
        return values;
    }

    /** {@code 1m2.500000s} → 62.5. */
    static double shellTime(String text) {
        final int m = text.indexOf('m');
        return Integer.parseInt(text.substring(0, m)) * 60.0
                + Double.parseDouble(text.substring(m + 1, text.length() - 1));
    }
}
