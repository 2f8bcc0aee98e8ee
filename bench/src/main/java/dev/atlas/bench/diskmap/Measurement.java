package dev.atlas.bench.diskmap;

/**
 * One row of the result table.
 *
 * @param tool      {@code diskmap/file}, {@code fio/io_uring}, …
 * @param queueDepth requests kept outstanding
 * @param iops       completed reads per second
 * @param bytesPerSecond bytes read per second
 * @param p50Micros  median latency in microseconds
 * @param p99Micros  99th percentile latency in microseconds
 */
public record Measurement(
        String tool, int queueDepth, double iops, double bytesPerSecond, double p50Micros, double p99Micros) {

    static String header() {
        return String.format("%-14s %5s %10s %9s %9s %9s", "transport", "qd", "IOPS", "MB/s", "p50(us)", "p99(us)");
    }

    String row() {
        return String.format(
                "%-14s %5d %10.0f %9.1f %9.1f %9.1f",
                tool, queueDepth, iops, bytesPerSecond / 1e6, p50Micros, p99Micros);
    }
}
