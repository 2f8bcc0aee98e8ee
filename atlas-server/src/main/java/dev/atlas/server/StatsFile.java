package dev.atlas.server;

import dev.atlas.server.http.CatalogueResponder;
import dev.atlas.server.http.HttpStatus;
import dev.atlas.server.http.PatternResponder;
import dev.atlas.server.http.RequestOutcome;
import dev.atlas.server.lane.CounterDump;
import dev.atlas.server.lane.Lanes;
import dev.atlas.server.ring.afpacket.AfPacketRing;
import dev.atlas.server.storage.ExtentSource;
import dev.atlas.server.tcp.TcpCounters;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The lanes' counters summed over lanes as {@code group.counter=value} lines: rewritten
 * atomically into a file for scripts and tests (the bench harness reads it), optionally
 * summarised on stdout, and printed whole when the server stops. Runs off the lanes, reading
 * their counters racily.
 */
final class StatsFile {
    private final Path file;
    private final PrintStream out;
    private final boolean summary;
    private final List<ServerLane> lanes;
    private Lanes running;
    /** The last write failed (reported once until a write succeeds again). */
    private boolean failing;

    StatsFile(Path file, PrintStream out, boolean summary, List<ServerLane> lanes) {
        this.file = file;
        this.out = out;
        this.summary = summary;
        this.lanes = lanes;
    }

    /** The running lanes, for their threads' allocation figures. */
    void running(Lanes lanes) {
        this.running = lanes;
    }

    Map<String, Long> snapshot() {
        final Map<String, Long> values = new TreeMap<>();
        long fairness = 1_000_000;
        long slowest = Long.MAX_VALUE;
        for (int i = 0; i < lanes.size(); i++) {
            final ServerLane lane = lanes.get(i);
            // Gauges, not sums: the least fair lane and the slowest connection of any lane.
            final TcpCounters tcp = lane.stack().counters();
            fairness = Math.min(fairness, tcp.fairnessIndexMillionths);
            if (tcp.fairnessConnections > 0) {
                slowest = Math.min(slowest, tcp.slowestBusyBytesPerSecond);
            }
            CounterDump.addTo(values, "lane", lane.lane().counters());
            if (running != null) {
                values.merge("lane.allocatedBytes", Math.max(0, running.allocatedBytes(i)), Long::sum);
            }
            CounterDump.addTo(values, "frame", lane.input().counters());
            CounterDump.addTo(values, "tcp", lane.stack().counters());
            if (lane.storage() instanceof ExtentSource extents) {
                CounterDump.addTo(values, "disk", extents.counters());
                values.merge(
                        "disk.buffersInUse", (long) extents.drives().buffers().buffersInUse(), Long::sum);
                values.merge("disk.readsInFlight", (long) extents.drives().readsInFlight(), Long::sum);
            }
            switch (lane.responder()) {
                case CatalogueResponder responder -> {
                    CounterDump.addTo(values, "http", responder.counters());
                    for (HttpStatus status : HttpStatus.values()) {
                        values.merge(
                                "http.status." + status.code(),
                                responder.counters().responses(status),
                                Long::sum);
                    }
                    // Requests by how they ended, as atlas_http_requests_total{outcome} sums them.
                    for (RequestOutcome outcome : RequestOutcome.values()) {
                        values.merge(
                                "http.outcome." + outcome.key(),
                                responder.counters().ended(outcome),
                                Long::sum);
                    }
                }
                case PatternResponder responder -> CounterDump.addTo(values, "pattern", responder.counters);
                default -> {}
            }
            if (lane.tls() != null) {
                CounterDump.addTo(values, "tls", lane.tls().counters());
                values.merge("tls.handshakesCompleted", lane.tls().counters().handshakesCompletedTotal(), Long::sum);
                values.merge("tls.sealedBytes", lane.tls().sealer().sealedBytes(), Long::sum);
                values.merge("tls.recordsSealed", lane.tls().bodies().recordsSealed(), Long::sum);
                values.merge("tls.slicesEncrypted", lane.tls().bodies().slicesEncrypted(), Long::sum);
                values.merge("tls.stagedRecordHits", lane.tls().bodies().cacheHits(), Long::sum);
                values.merge("tls.stagingCopyBytes", lane.tls().bodies().stagingCopyBytes(), Long::sum);
                final long[] sent = lane.tls().counters().alertsSent;
                final long[] received = lane.tls().counters().alertsReceived;
                for (int code = 0; code < sent.length; code++) {
                    if (sent[code] > 0) {
                        values.merge(
                                "tls.alertsSent." + org.bouncycastle.tls.AlertDescription.getName((short) code),
                                sent[code],
                                Long::sum);
                    }
                    if (received[code] > 0) {
                        values.merge(
                                "tls.alertsReceived." + org.bouncycastle.tls.AlertDescription.getName((short) code),
                                received[code],
                                Long::sum);
                    }
                }
            }
            if (lane.lane().ring() instanceof AfPacketRing ring) {
                values.merge("ring.rxFrames", ring.rxFrames(), Long::sum);
                values.merge("ring.rxBytes", ring.rxBytes(), Long::sum);
                values.merge("ring.rxTruncated", ring.rxTruncated(), Long::sum);
                values.merge("ring.txFrames", ring.txFrames(), Long::sum);
                values.merge("ring.txBytes", ring.txBytes(), Long::sum);
                values.merge("ring.txKickErrors", ring.txKickErrors(), Long::sum);
                values.merge("ring.txWrongFormat", ring.txWrongFormat(), Long::sum);
                values.merge("ring.kernelRxDrops", ring.kernelRxDrops(), Long::sum);
            }
        }
        values.put("tcp.fairnessIndexMillionths", fairness);
        values.put("tcp.slowestBusyBytesPerSecond", slowest == Long.MAX_VALUE ? 0 : slowest);
        return values;
    }

    /**
     * Rewrites the file (and prints the summary). A file that cannot be written is reported once,
     * not thrown: the counters are still on /metrics, and a full or vanished directory must not
     * stop an edge node from serving.
     */
    void write() {
        final Map<String, Long> values = snapshot();
        if (file != null) {
            final StringBuilder text = new StringBuilder(4096);
            values.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
            final Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try {
                Files.writeString(tmp, text, StandardCharsets.UTF_8);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                if (failing) {
                    failing = false;
                    out.println("atlas serve: the stats file " + file + " is written again");
                    out.flush();
                }
            } catch (IOException e) {
                if (!failing) {
                    failing = true;
                    out.println("atlas serve: cannot write the stats file " + file + " (" + describe(e)
                            + "); serving goes on, the counters are on /metrics");
                    out.flush();
                }
            }
        }
        if (summary) {
            out.printf(
                    "stats: conns=%d framesOut=%d payloadOut=%d retransFast=%d retransRto=%d rtoEvents=%d rx=%d diskReads=%d%n",
                    values.getOrDefault("tcp.connectionsOpen", 0L),
                    values.getOrDefault("tcp.framesOut", 0L),
                    values.getOrDefault("tcp.payloadBytesOut", 0L),
                    values.getOrDefault("tcp.fastRetransmits", 0L),
                    values.getOrDefault("tcp.rtoRetransmits", 0L),
                    values.getOrDefault("tcp.rtoEvents", 0L),
                    values.getOrDefault("lane.rxFrames", 0L),
                    values.getOrDefault("disk.reads", 0L));
            out.flush();
        }
    }

    private static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "its directory does not exist";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** The final report on stdout. */
    void printAll() {
        out.println("atlas serve: stopped; counters:");
        for (Map.Entry<String, Long> e : snapshot().entrySet()) {
            out.println("  " + e.getKey() + "=" + e.getValue());
        }
        out.flush();
    }
}
