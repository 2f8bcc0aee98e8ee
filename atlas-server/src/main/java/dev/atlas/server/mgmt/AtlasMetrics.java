package dev.atlas.server.mgmt;

import dev.atlas.server.storage.StorageCounters;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * The server's metrics: a Prometheus registry holding the JVM's meters and, per lane, meters
 * that read the lane's own counters on each scrape (see {@link CounterSource} for why reading
 * them without synchronisation is fine). Registration happens at start-up; scrapes come from
 * the management thread.
 */
public final class AtlasMetrics implements AutoCloseable {
    private static final String PROCESS_CPU_TIME = "process.cpu.time";
    private static final String SYSTEM_CPU_COUNT = "system.cpu.count";
    private static final String SYSTEM_CPUS = "system.cpus";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final List<Object> readers = new CopyOnWriteArrayList<>();
    private ReadLatencyHistogram readLatency;

    public AtlasMetrics() {
        // Two of Micrometer's JVM meters break Prometheus naming rules (promtool lints them):
        // "system_cpu_count" looks like a summary part, "process_cpu_time_ns_total" abbreviates
        // its unit. Rename the first; drop the second (process_cpu_usage covers it).
        registry.config().meterFilter(MeterFilter.deny(id -> PROCESS_CPU_TIME.equals(id.getName())));
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return SYSTEM_CPU_COUNT.equals(id.getName()) ? id.withName(SYSTEM_CPUS) : id;
            }
        });
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        long llc = LastLevelCache.sizeBytes();
        gauge(MetricNames.LLC_SIZE, "Last-level cache size: the budget for the pipeline working set.", () -> llc);
    }

    /** Registers a lane's counters under the label {@code lane="<lane>"}. */
    public void registerLane(String lane, CounterSource source) {
        source.registerTo(new LaneMeters(registry, Tags.of(LaneMeters.LANE_LABEL, lane), readers));
    }

    /** Adds a lane's drive-read latency buckets to {@code atlas_disk_read_latency_seconds}. */
    public synchronized void registerReadLatency(String lane, StorageCounters counters) {
        if (readLatency == null) {
            readLatency = new ReadLatencyHistogram();
            registry.getPrometheusRegistry().register(readLatency);
        }
        readLatency.add(lane, counters);
    }

    /** A process-wide gauge without a lane label, e.g. {@code atlas_catalogue_generation}. */
    public void gauge(String prometheusName, String help, LongSupplier reading) {
        Gauge.builder(LaneMeters.micrometerName(LaneMeters.checkedName(prometheusName)), reading, r ->
                        (double) r.getAsLong())
                .description(help)
                .strongReference(true)
                .register(registry);
    }

    /** The Prometheus text exposition (format 0.0.4) of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    /** The registry, for code that wants its own meters (timers, histograms). */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }
}
