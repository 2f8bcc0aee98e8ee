package dev.atlas.bench.diskmap;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The read figures of a {@code fio --output-format=json} report: jobs[0].read iops, bw_bytes and
 * the clat_ns 50th/99th percentiles. A small targeted reader instead of a JSON library: fio's
 * layout is stable and only these four numbers are needed.
 */
public final class FioResult {
    private static final Pattern READ_SECTION = Pattern.compile("\"read\"\\s*:\\s*\\{");
    private static final Pattern IOPS = Pattern.compile("\"iops\"\\s*:\\s*([0-9.eE+-]+)");
    private static final Pattern BANDWIDTH = Pattern.compile("\"bw_bytes\"\\s*:\\s*([0-9]+)");
    private static final Pattern CLAT = Pattern.compile("\"clat_ns\"\\s*:\\s*\\{");
    private static final Pattern P50 = Pattern.compile("\"50\\.000000\"\\s*:\\s*([0-9]+)");
    private static final Pattern P99 = Pattern.compile("\"99\\.000000\"\\s*:\\s*([0-9]+)");

    private FioResult() {}

    /** Parses fio's JSON output (anything printed before the first '{' is skipped). */
    public static Measurement parse(String json, String tool, int queueDepth) {
        int start = json.indexOf('{');
        if (start < 0) {
            throw new IllegalArgumentException("fio printed no JSON report: " + json.strip());
        }
        String text = json.substring(start);
        int read = find(READ_SECTION, text, 0, "the read section");
        double iops = Double.parseDouble(group(IOPS, text, read, "read iops"));
        double bandwidth = Double.parseDouble(group(BANDWIDTH, text, read, "read bw_bytes"));
        int clat = find(CLAT, text, read, "read clat_ns");
        double p50 = Double.parseDouble(group(P50, text, clat, "clat 50th percentile")) / 1000.0;
        double p99 = Double.parseDouble(group(P99, text, clat, "clat 99th percentile")) / 1000.0;
        return new Measurement(tool, queueDepth, iops, bandwidth, p50, p99);
    }

    private static int find(Pattern pattern, String text, int from, String what) {
        Matcher m = pattern.matcher(text);
        if (!m.find(from)) {
            throw new IllegalArgumentException("fio's JSON report has no " + what);
        }
        return m.end();
    }

    private static String group(Pattern pattern, String text, int from, String what) {
        Matcher m = pattern.matcher(text);
        if (!m.find(from)) {
            throw new IllegalArgumentException("fio's JSON report has no " + what);
        }
        return m.group(1);
    }
}
