package dev.atlas.server.mgmt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.server.storage.StorageCounters;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The lanes' read-latency buckets come out as one Prometheus histogram with cumulative buckets per lane. */
class ReadLatencyHistogramTest {
    @Test
    void lanesBucketsBecomeACumulativeHistogram() {
        final StorageCounters lane0 = new StorageCounters();
        final StorageCounters lane1 = new StorageCounters();
        lane0.readLatencyBuckets[0] = 3; // ≤ 25 µs
        lane0.readLatencyBuckets[2] = 5; // ≤ 100 µs
        lane0.readLatencyBuckets[lane0.readLatencyBuckets.length - 1] = 1; // slower than 100 ms
        lane0.readLatencyNanos = 2_000_000_000L;
        lane1.readLatencyBuckets[4] = 7; // ≤ 500 µs
        try (AtlasMetrics metrics = new AtlasMetrics()) {
            metrics.registerReadLatency("0", lane0);
            metrics.registerReadLatency("1", lane1);
            final String text = metrics.scrape();
            assertTrue(text.contains("# TYPE atlas_disk_read_latency_seconds histogram"), text);
            assertEquals(3, sample(text, "atlas_disk_read_latency_seconds_bucket{lane=\"0\",le=\"2.5E-5\"}"));
            assertEquals(8, sample(text, "atlas_disk_read_latency_seconds_bucket{lane=\"0\",le=\"1.0E-4\"}"));
            assertEquals(9, sample(text, "atlas_disk_read_latency_seconds_bucket{lane=\"0\",le=\"+Inf\"}"));
            assertEquals(9, sample(text, "atlas_disk_read_latency_seconds_count{lane=\"0\"}"));
            assertEquals(2.0, sample(text, "atlas_disk_read_latency_seconds_sum{lane=\"0\"}"));
            assertEquals(7, sample(text, "atlas_disk_read_latency_seconds_bucket{lane=\"1\",le=\"5.0E-4\"}"));
            // The lane counts on; the next scrape sees it.
            lane1.readLatencyBuckets[4]++;
            assertEquals(8, sample(metrics.scrape(), "atlas_disk_read_latency_seconds_count{lane=\"1\"}"));
        }
    }

    private static double sample(String exposition, String series) {
        final Matcher m =
                Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(exposition);
        assertTrue(m.find(), series + " in\n" + exposition);
        return Double.parseDouble(m.group(1));
    }
}
