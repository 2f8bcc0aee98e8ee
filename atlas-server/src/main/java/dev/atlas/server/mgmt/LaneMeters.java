package dev.atlas.server.mgmt;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * The registration handle a {@link CounterSource} gets: meters registered here carry the
 * lane's {@code lane} label. Names are the Prometheus names of DESIGN §11 (for example
 * {@code atlas_tx_bytes_total}): the {@code atlas_} prefix, lower case, counters ending in
 * {@code _total}, units spelled out ({@code _bytes}, {@code _seconds}).
 */
public final class LaneMeters {
    private static final Pattern NAME = Pattern.compile("atlas_[a-z][a-z0-9_]*[a-z0-9]");
    private static final String TOTAL = "_total";
    static final String LANE_LABEL = "lane";

    private final MeterRegistry registry;
    private final Tags laneTags;
    private final List<Object> strongReferences;

    /** @param strongReferences keeps readers alive: Micrometer holds a function counter's object weakly */
    LaneMeters(MeterRegistry registry, Tags laneTags, List<Object> strongReferences) {
        this.registry = registry;
        this.laneTags = laneTags;
        this.strongReferences = strongReferences;
    }

    /** A monotonically increasing count, e.g. {@code atlas_rx_frames_total}. */
    public LaneMeters counter(String prometheusName, String help, LongSupplier reading) {
        return counter(prometheusName, help, Tags.empty(), reading);
    }

    /** A count split by one more label, e.g. requests by {@code status}. */
    public LaneMeters counter(String prometheusName, String help, String label, String value, LongSupplier reading) {
        return counter(prometheusName, help, Tags.of(label, value), reading);
    }

    /** A count split by two more labels, e.g. requests by {@code status} and {@code outcome}. */
    public LaneMeters counter(
            String prometheusName,
            String help,
            String label,
            String value,
            String label2,
            String value2,
            LongSupplier reading) {
        return counter(prometheusName, help, Tags.of(label, value, label2, value2), reading);
    }

    /** A count kept in another unit than the metric's, e.g. nanoseconds read as {@code _seconds_total} with scale 1e-9. */
    public LaneMeters counter(String prometheusName, String help, LongSupplier reading, double scale) {
        return counter(prometheusName, help, Tags.empty(), reading, scale);
    }

    private LaneMeters counter(String prometheusName, String help, Tags extra, LongSupplier reading) {
        return counter(prometheusName, help, extra, reading, 1.0);
    }

    private LaneMeters counter(String prometheusName, String help, Tags extra, LongSupplier reading, double scale) {
        String name = checkedName(prometheusName);
        if (!name.endsWith(TOTAL)) {
            throw new IllegalArgumentException("counter " + name + " must end in _total (Prometheus convention)");
        }
        strongReferences.add(reading);
        FunctionCounter.builder(
                        micrometerName(name.substring(0, name.length() - TOTAL.length())),
                        reading,
                        r -> r.getAsLong() * scale)
                .description(help)
                .tags(laneTags)
                .tags(extra)
                .register(registry);
        return this;
    }

    /** A value that goes up and down, e.g. {@code atlas_buffers_in_use} or {@code atlas_pipeline_working_set_bytes}. */
    public LaneMeters gauge(String prometheusName, String help, LongSupplier reading) {
        return gauge(prometheusName, help, reading, 1.0);
    }

    /** A gauge kept in another unit than the metric's (see {@link #counter(String, String, LongSupplier, double)}). */
    public LaneMeters gauge(String prometheusName, String help, LongSupplier reading, double scale) {
        String name = checkedName(prometheusName);
        if (name.endsWith(TOTAL)) {
            throw new IllegalArgumentException(
                    "gauge " + name + " must not end in _total (that suffix is for counters)");
        }
        Gauge.builder(micrometerName(name), reading, r -> r.getAsLong() * scale)
                .description(help)
                .tags(laneTags)
                .strongReference(true)
                .register(registry);
        return this;
    }

    static String checkedName(String prometheusName) {
        if (!NAME.matcher(prometheusName).matches()) {
            throw new IllegalArgumentException("metric name " + prometheusName
                    + " must start with atlas_ and use only lower-case letters, digits and underscores");
        }
        return prometheusName;
    }

    /** Micrometer names are dotted; its Prometheus naming convention turns dots back into underscores. */
    static String micrometerName(String prometheusName) {
        return prometheusName.replace('_', '.');
    }
}
