package dev.atlas.bench.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.bench.netns.Topology;
import dev.atlas.bench.tcp.AtlasServerProcess;
import dev.atlas.bench.tcp.Commands;
import dev.atlas.bench.tcp.KernelTcpCounters;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Atlas stack against the Linux kernel's TCP over a direct veth pair (cli ↔ srv): the server
 * runs as its own JVM (two lanes) in the srv namespace owning an address the kernel lacks; curl, wrk and
 * small Python peers run in cli. Every body byte is checked; counters come from the server's
 * stats file and the client namespace's /proc/net/{snmp,netstat}.
 */
@Tag("root")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DirectInteropTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    /** MSS of the veth path with timestamps: 1500 − 20 − 20 − 12. */
    private static final int SEGMENT_PAYLOAD = 1448;
    /** Longer than the persist probe gaps of a 10 s zero window, short enough for the vanish test. */
    private static final long IDLE_TIMEOUT_MS = 12_000;
    /** Two lanes in one PACKET_FANOUT_HASH group: flows spread over lanes; counters are summed. */
    private static final int LANES = 2;

    private Topology net;
    private AtlasServerProcess server;
    private Path work;

    @BeforeAll
    void up() throws Exception {
        Prerequisites.require("ip", "nft", "ethtool", "curl", "wrk", "python3");
        work = Files.createTempDirectory("atlas-interop-direct");
        net = Topology.up(Topology.uniqueName("interop"), Topology.Mode.DIRECT).removeOnExit();
        server = AtlasServerProcess.start(
                        net.serverNamespace(),
                        net.serverInterface(),
                        net.serverCidr(),
                        List.of(
                                "--lanes",
                                Integer.toString(LANES),
                                "--idle-timeout-ms",
                                Long.toString(IDLE_TIMEOUT_MS)),
                        work)
                .awaitReady(Duration.ofSeconds(30));
        System.out.println("interop: server " + net.serverAddress() + " on " + net.serverInterface() + " in "
                + net.serverNamespace() + ", client in " + net.clientNamespace());
    }

    @AfterAll
    void down() throws Exception {
        if (server != null) {
            System.out.println("interop: final server counters " + server.stats());
            final int exit = server.stop();
            System.out.println("interop: server exited with " + exit + "\n" + server.logTail());
            assertEquals(0, exit, "SIGTERM must stop the server with exit status 0");
        }
        if (net != null) {
            net.close();
        }
    }

    private String url(long bytes) {
        return "http://" + net.serverAddress() + "/pattern/" + bytes;
    }

    private static long delta(Map<String, Long> after, Map<String, Long> before, String key) {
        return after.getOrDefault(key, 0L) - before.getOrDefault(key, 0L);
    }

    @Test
    @Order(1)
    void answersPipelinedRequestsHeadAndErrors() throws Exception {
        final Path probe = ClientTools.script("http_probe.py", work);
        final String host = "Host: atlas\\r\\n";
        final String pipelined = "GET /pattern/10 HTTP/1.1\\r\\n" + host + "\\r\\n"
                + "HEAD /pattern/300 HTTP/1.1\\r\\n" + host + "\\r\\n"
                + "GET /other HTTP/1.1\\r\\n" + host + "\\r\\n"
                + "DELETE /pattern/1 HTTP/1.1\\r\\n" + host + "\\r\\n"
                + "GET /pattern/5 HTTP/1.1\\r\\n" + host + "Connection: close\\r\\n\\r\\n";
        final List<Response> answers = Response.split(probe(probe, pipelined), List.of(true, false, true, true, true));
        assertEquals(5, answers.size(), () -> "five answers in order: " + answers);
        assertEquals(200, answers.get(0).status());
        assertEquals("\0\1\2\3\4\5\6\7\10\11", answers.get(0).body());
        assertEquals(200, answers.get(1).status());
        assertEquals("300", answers.get(1).header("content-length"), "HEAD announces the GET length");
        assertEquals("", answers.get(1).body());
        assertEquals(404, answers.get(2).status());
        assertEquals(405, answers.get(3).status());
        assertEquals("GET, HEAD", answers.get(3).header("allow"));
        assertEquals(200, answers.get(4).status());
        assertEquals("close", answers.get(4).header("connection"));
        assertEquals("\0\1\2\3\4", answers.get(4).body());

        final Response malformed = Response.split(probe(probe, "GET /pattern/1 HTTP/1.1\\n\\n"), List.of(true))
                .get(0);
        assertEquals(400, malformed.status(), malformed::toString);
        assertEquals("close", malformed.header("connection"));

        final String huge = probe(
                probe,
                "GET /pattern/1 HTTP/1.1\\r\\n" + host + ("X-Filler: " + "a".repeat(200) + "\\r\\n").repeat(60)
                        + "\\r\\n");
        assertTrue(huge.startsWith("HTTP/1.1 431 "), huge);
        System.out.println("interop: pipelined GET/HEAD/404/405/close, 400 and 431 answered as expected");
    }

    private String probe(Path script, String request) throws Exception {
        final Process p =
                ClientTools.startPython(net.clientNamespace(), script, net.serverAddress(), "80", request, "2");
        final byte[] out = p.getInputStream().readAllBytes();
        p.waitFor();
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    @Test
    @Order(2)
    void curlDownloadsOneGibibyteWithTsoFrames() throws Exception {
        // Warm-up, so the JIT has compiled the lanes' paths before their allocation is measured:
        // 12 flows leave no lane of the fanout group unexercised (unless the hash is very unlucky).
        for (int round = 0; round < 3; round++) {
            final List<ClientTools.RunningDownload> warmUp = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                warmUp.add(ClientTools.startCurl(net.clientNamespace(), url(128 * MIB), Duration.ofSeconds(60)));
            }
            for (ClientTools.RunningDownload w : warmUp) {
                assertTrue(w.finish().ok(128 * MIB));
            }
        }
        final KernelTcpCounters clientBefore = KernelTcpCounters.read(net.clientNamespace());
        final Map<String, Long> before = server.freshStats();
        final long allocatedBefore = before.getOrDefault("lane.allocatedBytes", 0L);

        final ClientTools.Download download =
                ClientTools.curl(net.clientNamespace(), url(GIB), Duration.ofSeconds(180));
        assertTrue(download.ok(GIB), () -> download + "\n" + server.logTail());

        final Map<String, Long> after = server.freshStats();
        final KernelTcpCounters clientAfter = KernelTcpCounters.read(net.clientNamespace());
        final long frames = delta(after, before, "tcp.framesOut");
        final long payload = delta(after, before, "tcp.payloadBytesOut");
        final double segmentsPerFrame = (double) payload / frames / SEGMENT_PAYLOAD;
        final long allocated = after.getOrDefault("lane.allocatedBytes", 0L) - allocatedBefore;
        System.out.printf(
                "interop: 1 GiB in %.2f s = %.2f Gb/s; %d frames out, %.1f MSS of payload per frame; "
                        + "retransmits fast %d rto %d; lane allocated %d bytes during the download%n",
                download.seconds(),
                download.gbitPerSecond(),
                frames,
                segmentsPerFrame,
                delta(after, before, "tcp.fastRetransmits"),
                delta(after, before, "tcp.rtoRetransmits"),
                allocated);
        // One byte per frame would already be ~17 KB: this bound catches any per-frame allocation.
        assertTrue(allocated < 16 * 1024, "the lane allocated " + allocated + " bytes serving 1 GiB after warm-up");
        assertTrue(
                segmentsPerFrame >= 8,
                "TSO: average payload per transmitted frame is " + segmentsPerFrame + " MSS, want ≥ 8");
        assertEquals(0, clientAfter.since(clientBefore, "TcpInCsumErrors"), "client kernel saw bad TCP checksums");
        assertEquals(0, clientAfter.since(clientBefore, "TcpInErrs"), "client kernel rejected TCP segments");
        assertEquals(0, clientAfter.since(clientBefore, "TcpInRsts"), "client saw a reset");
    }

    @Test
    @Order(3)
    void hundredConcurrentDownloadsAllCheck() throws Exception {
        final long size = 32 * MIB;
        final List<ClientTools.RunningDownload> running = new ArrayList<>();
        final long start = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            running.add(ClientTools.startCurl(net.clientNamespace(), url(size), Duration.ofSeconds(240)));
        }
        final List<String> failures = new ArrayList<>();
        for (ClientTools.RunningDownload r : running) {
            final ClientTools.Download d = r.finish();
            if (!d.ok(size)) {
                failures.add(d.toString());
            }
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                "interop: 100 × 32 MiB in %.2f s = %.2f Gb/s aggregate; %d failed%n",
                seconds, 100 * size * 8 / seconds / 1e9, failures.size());
        assertTrue(
                failures.isEmpty(),
                () -> failures.size() + " downloads failed, e.g. " + failures.get(0) + "\n" + server.logTail());
    }

    @Test
    @Order(4)
    void wrkWithFiveHundredPersistentConnections() throws Exception {
        final ClientTools.WrkResult result =
                ClientTools.wrk(net.clientNamespace(), url(16 * 1024), 500, 2, Duration.ofSeconds(20));
        System.out.printf(
                "interop: wrk -c 500 -t 2 -d 20s: %d requests, %.0f req/s, socket errors %d, non-2xx %d%n",
                result.requests(), result.requestsPerSecond(), result.socketErrors(), result.non2xx());
        assertTrue(result.requests() > 500, result.output());
        assertEquals(0, result.socketErrors(), result.output());
        assertEquals(0, result.non2xx(), result.output());
    }

    @Test
    @Order(5)
    void zeroWindowReaderResumesAndCompletes() throws Exception {
        final Map<String, Long> before = server.freshStats();
        final Path reader = ClientTools.script("slow_reader.py", work);
        final long size = 8 * MIB;
        final String outcome = ClientTools.finish(
                ClientTools.startPython(
                        net.clientNamespace(),
                        reader,
                        net.serverAddress(),
                        "80",
                        Long.toString(size),
                        Long.toString(MIB),
                        "10"),
                Duration.ofSeconds(90));
        final Map<String, Long> after = server.freshStats();
        System.out.println("interop: zero-window reader " + outcome + "; persist probes "
                + delta(after, before, "tcp.persistProbes"));
        assertTrue(outcome.startsWith("exit 0: OK " + size), outcome + "\n" + server.logTail());
        assertTrue(delta(after, before, "tcp.persistProbes") > 0, "the server never probed the zero window");
    }

    @Test
    @Order(6)
    void vanishedClientIsCleanedUpByTimeouts() throws Exception {
        final ClientTools.RunningDownload slow = ClientTools.startCurl(
                net.clientNamespace(), url(256 * MIB), Duration.ofSeconds(120), "--limit-rate", "2M");
        awaitStat("tcp.connectionsOpen", open -> open >= 1, Duration.ofSeconds(10));
        // The client vanishes: its namespace drops all traffic on port 80, so neither its FIN nor
        // its RST reaches the server; then the process dies.
        try (NftTable blackhole = NftTable.create(
                net.clientNamespace(),
                "inet",
                "chain out { type filter hook output priority 0; tcp dport 80 drop; }",
                "chain in { type filter hook input priority 0; tcp sport 80 drop; }")) {
            slow.kill();
            final long start = System.nanoTime();
            awaitStat("tcp.connectionsOpen", open -> open == 0, Duration.ofSeconds(60));
            System.out.printf(
                    "interop: vanished client cleaned up after %.1f s; idle timeouts %d, retransmit timeouts %d%n",
                    (System.nanoTime() - start) / 1e9,
                    server.stat("tcp.idleTimeouts"),
                    server.stat("tcp.retransmitTimeouts"));
        }
    }

    @Test
    @Order(7)
    void synFloodDoesNotStopARealDownload() throws Exception {
        final Map<String, Long> before = server.freshStats();
        final Path flood = ClientTools.script("synflood.py", work);
        final String prefix =
                net.serverAddress().substring(0, net.serverAddress().lastIndexOf('.'));
        final ClientTools.RunningDownload during = ClientTools.startCurl(
                net.clientNamespace(), url(256 * MIB), Duration.ofSeconds(120), "--limit-rate", "40M");
        final Process flooder = ClientTools.startPython(
                net.clientNamespace(),
                flood,
                net.clientInterface(),
                net.serverMac(),
                net.serverAddress(),
                "80",
                prefix,
                "100000",
                "25000");
        Thread.sleep(1000);
        // A connection opened while the SYN queue overflows must still work (SYN cookies).
        final ClientTools.Download fresh =
                ClientTools.curl(net.clientNamespace(), url(8 * MIB), Duration.ofSeconds(60));
        final String flooded = ClientTools.finish(flooder, Duration.ofSeconds(60));
        final ClientTools.Download download = during.finish();
        final Map<String, Long> after = server.freshStats();
        System.out.printf(
                "interop: SYN flood (%s): SYNs %d, cookies sent %d, accepted %d, queue overflows %d; "
                        + "concurrent download %s; fresh download %s%n",
                flooded,
                delta(after, before, "tcp.synsReceived"),
                delta(after, before, "tcp.synCookiesSent"),
                delta(after, before, "tcp.synCookiesAccepted"),
                delta(after, before, "tcp.synQueueOverflows"),
                download,
                fresh);
        assertTrue(flooded.startsWith("exit 0: sent 100000"), flooded);
        assertTrue(download.ok(256 * MIB), download.toString());
        assertTrue(fresh.ok(8 * MIB), fresh.toString());
        // AF_PACKET may drop some of a burst when its RX ring is full; most of the flood must arrive.
        assertTrue(delta(after, before, "tcp.synsReceived") >= 50_000, "the flood did not reach the server");
    }

    @Test
    @Order(8)
    void fuzzedFramesNeverEscapeTheLaneNorDisturbALiveDownload() throws Exception {
        final Map<String, Long> before = server.freshStats();
        final Path fuzzer = ClientTools.script("fuzzframes.py", work);
        final ClientTools.RunningDownload live = ClientTools.startCurl(
                net.clientNamespace(), url(128 * MIB), Duration.ofSeconds(120), "--limit-rate", "30M");
        final int livePort = awaitLocalPort();
        final String fuzzed = ClientTools.finish(
                ClientTools.startPython(
                        net.clientNamespace(),
                        fuzzer,
                        net.clientInterface(),
                        net.serverMac(),
                        net.clientAddress(),
                        net.serverAddress(),
                        "80",
                        Integer.toString(livePort),
                        "30000",
                        "251"),
                Duration.ofSeconds(60));
        final ClientTools.Download download = live.finish();
        final Map<String, Long> after = server.freshStats();
        System.out.printf(
                "interop: fuzz (%s): frames in %d, TCP segments delivered %d, resets sent %d; live download %s%n",
                fuzzed,
                delta(after, before, "frame.framesIn"),
                delta(after, before, "frame.tcpDelivered"),
                delta(after, before, "tcp.resetsSent"),
                download);
        assertTrue(fuzzed.startsWith("exit 0: sent 30000"), fuzzed);
        assertTrue(download.ok(128 * MIB), download.toString());
        assertEquals(
                0,
                delta(after, before, "lane.frameErrors"),
                "a fuzzed frame made a handler throw:\n" + server.logTail());
        assertEquals(0, delta(after, before, "lane.outputErrors"), "output failed after fuzzing:\n" + server.logTail());
        assertTrue(server.isAlive());
    }

    /** The local port of the client's one established connection to port 80. */
    private int awaitLocalPort() throws Exception {
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            final String line = Commands.output(List.of(
                            "ip",
                            "netns",
                            "exec",
                            net.clientNamespace(),
                            "ss",
                            "-Htn",
                            "state",
                            "established",
                            "( dport = :80 )"))
                    .strip();
            if (!line.isEmpty()) {
                final String local = line.split("\\s+")[2];
                return Integer.parseInt(local.substring(local.lastIndexOf(':') + 1));
            }
            Thread.sleep(50);
        }
        throw new AssertionError("curl did not connect");
    }

    private void awaitStat(String key, java.util.function.LongPredicate condition, Duration timeout) throws Exception {
        final long deadline = System.nanoTime() + timeout.toNanos();
        long value;
        do {
            value = server.stat(key);
            if (condition.test(value)) {
                return;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(key + " is still " + value + " after " + timeout + "\n" + server.logTail());
    }
}
