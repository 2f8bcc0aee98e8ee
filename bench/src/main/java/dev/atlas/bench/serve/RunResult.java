package dev.atlas.bench.serve;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one measured wrk run against one server. Throughput counts response bodies only
 * ({@code bytesPerResponse} each: every chunk is {@link ContentSet#CHUNK_BYTES}; the ladder's
 * segments differ in size and are asked for uniformly at random, so there the mean); CPU is the server's own processes; Atlas's
 * counters are the growth over the run ({@code atlas} is empty for nginx).
 *
 * @param windowGbitPerSecond what the client's sockets received per second in the fairness window (from a quarter of
 *                            the run to its end), headers and TLS framing included: the rate once connections are set
 *                            up, where the whole-run figure also carries the start (every HTTPS connection's handshake)
 */
record RunResult(
        Rtt rtt,
        ContentCase contentCase,
        ServerKind server,
        int connections,
        int repetition,
        WrkReport wrk,
        double bytesPerResponse,
        double serverCpuSeconds,
        double busyCores,
        long cachedChangeBytes,
        double jain,
        double windowGbitPerSecond,
        int connectionsMeasured,
        long cgroupBytes,
        Map<String, Long> atlas) {
    private static final double GB = 1e9;

    double seconds() {
        return wrk.durationMicros() / 1e6;
    }

    long bodyBytes() {
        return Math.round((wrk.requests() - wrk.statusErrors()) * bytesPerResponse);
    }

    double requestsPerSecond() {
        return wrk.requests() / seconds();
    }

    double gbitPerSecond() {
        return bodyBytes() * 8 / GB / seconds();
    }

    double cpuSecondsPerGB() {
        return bodyBytes() == 0 ? Double.NaN : serverCpuSeconds / (bodyBytes() / GB);
    }

    /** Body Gb/s per server core: Gb sent per CPU-second the server used. */
    double gbitPerServerCore() {
        return serverCpuSeconds <= 0 ? Double.NaN : bodyBytes() * 8 / GB / serverCpuSeconds;
    }

    /** Atlas counters in the CSV, in this order (growth over the run, or peak for the working set). */
    static final List<String> ATLAS_COLUMNS = List.of(
            "tcp.retransmitFrames",
            "tcp.rtoEvents",
            "disk.reads",
            "disk.readBytes",
            "disk.readLatencyNanos",
            "disk.maxReadLatencyNanos",
            "disk.txCopyBytes",
            "disk.bufferWaits",
            "disk.queueWaits",
            "lane.busyLoops",
            "lane.idleLoops",
            "pipelineWorkingSetBytes",
            // HTTPS only: handshakes over the run (those of connections wrk opened), their summed latency, sealed
            // bytes.
            "tls.handshakesCompleted",
            "tls.handshakesFailed",
            "tls.handshakeNanosTotal",
            "tls.sealedBytes");

    static String csvHeader() {
        final StringBuilder h =
                new StringBuilder("rtt,content,server,connections,repetition,seconds,requests,requests_per_s,"
                        + "body_gbit_per_s,window_gbit_per_s,server_cpu_s,server_cpu_s_per_gb,gbit_per_server_core,client_cpu_s,busy_cores,cached_change_mib,"
                        + "errors_connect,errors_read,errors_write,errors_status,timeouts,latency_p50_ms,latency_p99_ms,latency_max_ms,"
                        + "jain_index,connections_measured,nginx_cgroup_mib");
        for (String c : ATLAS_COLUMNS) {
            h.append(",atlas_").append(c.replace('.', '_'));
        }
        return h.toString();
    }

    String csvRow() {
        final StringBuilder r = new StringBuilder(String.format(
                Locale.ROOT,
                "%s,%s,%s,%d,%d,%.3f,%d,%.1f,%.4f,%.4f,%.3f,%.4f,%.4f,%.3f,%.3f,%.1f,%d,%d,%d,%d,%d,%.3f,%.3f,%.3f,%.4f,%d,%s",
                rtt.id(),
                contentCase.id(),
                server.id(),
                connections,
                repetition,
                seconds(),
                wrk.requests(),
                requestsPerSecond(),
                gbitPerSecond(),
                windowGbitPerSecond,
                serverCpuSeconds,
                cpuSecondsPerGB(),
                gbitPerServerCore(),
                wrk.clientCpuSeconds(),
                busyCores,
                cachedChangeBytes / 1048576.0,
                wrk.connectErrors(),
                wrk.readErrors(),
                wrk.writeErrors(),
                wrk.statusErrors(),
                wrk.timeouts(),
                wrk.latencyMillis(50),
                wrk.latencyMillis(99),
                wrk.maxLatencyMicros() / 1000.0,
                jain,
                connectionsMeasured,
                cgroupBytes > 0 ? Long.toString(cgroupBytes >> 20) : ""));
        for (String c : ATLAS_COLUMNS) {
            r.append(',');
            if (server.isAtlas() && atlas.containsKey(c)) {
                r.append(atlas.get(c));
            }
        }
        return r.toString();
    }
}
