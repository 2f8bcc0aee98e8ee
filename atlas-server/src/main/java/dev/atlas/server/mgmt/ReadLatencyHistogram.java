package dev.atlas.server.mgmt;

import dev.atlas.server.storage.StorageCounters;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code atlas_disk_read_latency_seconds}: a Prometheus histogram of drive read latencies per
 * lane, built on each scrape from the buckets the lanes count themselves (Micrometer's timers
 * would make the lane record through shared atomics). Registered straight with the Prometheus
 * registry under Micrometer.
 */
final class ReadLatencyHistogram implements Collector {
    static final String NAME = "atlas_disk_read_latency_seconds";
    private static final String HELP = "Drive read latency, submission to completion.";
    private static final double NANOS_PER_SECOND = 1e9;

    private final List<String> lanes = new ArrayList<>();
    private final List<StorageCounters> counters = new ArrayList<>();
    private final double[] upperBounds;

    ReadLatencyHistogram() {
        final long[] bounds = StorageCounters.READ_LATENCY_BOUNDS_NANOS;
        upperBounds = new double[bounds.length + 1];
        for (int i = 0; i < bounds.length; i++) {
            upperBounds[i] = bounds[i] / NANOS_PER_SECOND;
        }
        upperBounds[bounds.length] = Double.POSITIVE_INFINITY;
    }

    synchronized void add(String lane, StorageCounters laneCounters) {
        lanes.add(lane);
        counters.add(laneCounters);
    }

    @Override
    public synchronized MetricSnapshot collect() {
        final HistogramSnapshot.Builder histogram =
                HistogramSnapshot.builder().name(NAME).help(HELP);
        for (int i = 0; i < lanes.size(); i++) {
            final StorageCounters c = counters.get(i);
            histogram.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                    .labels(Labels.of(LaneMeters.LANE_LABEL, lanes.get(i)))
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(upperBounds, c.readLatencyBuckets.clone()))
                    .sum(c.readLatencyNanos / NANOS_PER_SECOND)
                    .build());
        }
        return histogram.build();
    }

    @Override
    public String getPrometheusName() {
        return NAME;
    }
}
