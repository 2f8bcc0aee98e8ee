package dev.atlas.bench.serve;

import java.util.Map;

/** A server under test, running in the server namespace, as the harness measures it. */
interface MeasuredServer extends AutoCloseable {
    ServerKind kind();

    /** The address clients connect to. */
    String host();

    /** {@code scheme://host:port}. */
    default String baseUrl() {
        return kind().scheme() + "://" + host() + ":" + kind().port();
    }

    /** CPU seconds (user + system, every thread and process of the server) used so far. */
    double cpuSeconds();

    /** The server's own counters now (empty when it has none). */
    Map<String, Long> counters();

    /** Called a few times a second during a run, for gauges whose peak matters. */
    default void sample() {}

    /** The peak of the sampled gauges since the last call, then forgets them. */
    default Map<String, Long> takePeaks() {
        return Map.of();
    }

    /** The exact command line it was started with, for the summary. */
    String commandLine();

    /** Stops it (by PID) and waits; safe to call twice. */
    @Override
    void close();
}
