package dev.atlas.bench.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Counters that say what happened at the edge (issue: honest counters). A burst of frames larger
 * than the RX ring, sent while the server is stopped (SIGSTOP), must show up once as ring drops
 * per lane on {@code /metrics}, in the stats file and in the stop-time dump, however often the
 * kernel's reset-on-read counter is read in between. Requests are counted once when they end, by
 * outcome: completed, aborted by the client (it resets mid-response) and reset by the server (an
 * idle timeout while a client holds its window shut). The dump printed at stop reads the same
 * values as the last scrape, and nothing in it is -1.
 */
@Tag("root")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EdgeCountersTest {
    private static final String BIG = "media/big.bin";
    private static final long BIG_BYTES = 16L << 20;
    private static final String SMALL = "media/small.bin";
    /** The RX ring holds 4,096 frames (8 MiB in 2 KiB frames): a burst of this many overflows it. */
    private static final int BURST_FRAMES = 20_000;
    /** Frames of other kinds that may cross the link during the burst (ARP). */
    private static final int OTHER_FRAMES_SLACK = 20;

    private static final int COMPLETED = 4;
    private static final int CLIENT_ABORTS = 3;
    private static final String IDLE_TIMEOUT_MS = "1000";
    private static final String DROPS = "atlas_rx_ring_dropped_frames_total";
    private static final String REQUESTS = "atlas_http_requests_total";

    private CatalogueServer served;
    private PrometheusText lastScrape;

    @BeforeAll
    void up() throws Exception {
        Prerequisites.require("ip", "nft", "ethtool", "curl", "python3", "promtool", "kill");
        served = CatalogueServer.format("counters", "64M");
        final Path content = served.dir("content");
        CatalogueServer.writeFile(content, BIG, BIG_BYTES, 11);
        CatalogueServer.writeFile(content, SMALL, 10_000, 12);
        served.importTree(content);
        served.start("counters", List.of("--idle-timeout-ms", IDLE_TIMEOUT_MS));
    }

    @AfterAll
    void down() throws Exception {
        if (served != null) {
            served.close();
        }
    }

    @Test
    @Order(1)
    void ringDropsOfABurstLargerThanTheRingAreCountedOnce() throws Exception {
        final PrometheusText before = served.scrape();
        final Map<String, Long> statsBefore = served.server().freshStats();
        final Path burst = ClientTools.script("frame_burst.py", served.work());
        signal("-STOP");
        final String sent;
        try {
            sent = ClientTools.finish(
                    ClientTools.startPython(
                            served.net().clientNamespace(),
                            burst,
                            served.net().clientInterface(),
                            served.net().serverMac(),
                            Integer.toString(BURST_FRAMES)),
                    Duration.ofSeconds(60));
        } finally {
            signal("-CONT");
        }
        assertTrue(sent.startsWith("exit 0: sent " + BURST_FRAMES), sent);
        final Map<String, Long> stats = served.server().freshStats();
        final PrometheusText after = served.scrape();
        final PrometheusText again = served.scrape();
        final long drops = after.count(DROPS) - before.count(DROPS);
        final long seen = stats.get("frame.unknownEtherType") - statsBefore.get("frame.unknownEtherType");
        System.out.printf(
                "counters: burst of %d frames while the server was stopped (%s): ring drops %d, frames taken "
                        + "off the ring %d%n",
                BURST_FRAMES, sent, drops, seen);
        assertTrue(drops > 0, "the burst was larger than the ring: the kernel must have dropped frames");
        assertEquals(Set.of("0"), after.labelValues(DROPS, "lane"), "drops are counted per lane");
        assertEquals(
                after.count(DROPS), again.count(DROPS), "reading again (the kernel resets its counter) adds nothing");
        assertEquals(
                after.count(DROPS),
                served.server().stats().get("ring.kernelRxDrops"),
                "the stats file reads the same total as /metrics, though both read the kernel's reset-on-read counter");
        assertTrue(
                drops + seen >= BURST_FRAMES && drops + seen <= BURST_FRAMES + OTHER_FRAMES_SLACK,
                "every burst frame was either dropped or taken off the ring, once: " + drops + " + " + seen);
        lastScrape = again;
    }

    @Test
    @Order(2)
    void requestsAreCountedOnceByHowTheyEnded() throws Exception {
        final PrometheusText before = served.scrape();
        for (int i = 0; i < COMPLETED; i++) {
            final CatalogueServer.Fetched small = served.fetch(SMALL);
            assertEquals(200, small.status(), small::toString);
        }
        final Path abort = ClientTools.script("abort_get.py", served.work());
        final String aborted = ClientTools.finish(
                ClientTools.startPython(
                        served.net().clientNamespace(),
                        abort,
                        served.net().serverAddress(),
                        "80",
                        "/" + BIG,
                        "100000",
                        Integer.toString(CLIENT_ABORTS)),
                Duration.ofSeconds(60));
        assertTrue(
                aborted.startsWith("exit 0: aborted ") && aborted.split("aborted").length == CLIENT_ABORTS + 1,
                aborted);
        // A client that holds its window shut: the server gives up on it after the idle timeout and resets it.
        final CatalogueServer.HeldDownload held = served.startHeld(BIG, 1000);
        PrometheusText after;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        do {
            Thread.sleep(250);
            after = served.scrape();
        } while (delta(after, before, "outcome", "server_reset") < 1 && System.nanoTime() < deadline);
        held.resume(Duration.ofSeconds(5));
        after = served.scrape();
        final Map<String, Long> byOutcome = new TreeMap<>();
        for (String outcome : List.of("completed", "client_aborted", "server_reset")) {
            byOutcome.put(outcome, delta(after, before, "outcome", outcome));
        }
        System.out.println("counters: requests by outcome " + byOutcome + ", idle timeouts "
                + (after.count("atlas_tcp_idle_timeouts_total") - before.count("atlas_tcp_idle_timeouts_total")));
        assertEquals(
                Map.of("completed", (long) COMPLETED, "client_aborted", (long) CLIENT_ABORTS, "server_reset", 1L),
                byOutcome,
                "each request counted once, by how it ended");
        assertEquals(COMPLETED, delta(after, before, "outcome", "completed", "status", "200"));
        assertEquals(
                CLIENT_ABORTS,
                delta(after, before, "outcome", "client_aborted", "status", "200"),
                "an aborted 200 is not counted as a completed one");
        assertEquals(
                CLIENT_ABORTS + 1,
                after.count("atlas_http_incomplete_responses_total")
                        - before.count("atlas_http_incomplete_responses_total"));
        lastScrape = after;
    }

    @Test
    @Order(3)
    void promtoolFindsNothingAndTheStopTimeDumpReadsTheSameValues() throws Exception {
        final PrometheusText metrics = served.scrape();
        final Process promtool = new ProcessBuilder("promtool", "check", "metrics")
                .redirectErrorStream(true)
                .start();
        promtool.getOutputStream().write(metrics.text().getBytes(StandardCharsets.UTF_8));
        promtool.getOutputStream().close();
        final String lint = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(promtool.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, promtool.exitValue(), "promtool check metrics:\n" + lint);
        assertEquals("", lint.strip(), "promtool lint findings");

        assertEquals(0, served.server().stop(), "the server stops cleanly");
        final Map<String, Long> dump =
                stopTimeDump(served.work().resolve("server").resolve("server.log"));
        System.out.println("counters: stop-time dump ring.kernelRxDrops=" + dump.get("ring.kernelRxDrops")
                + " http.outcome.*=" + dump.get("http.outcome.completed") + "/"
                + dump.get("http.outcome.abortedByClient") + "/"
                + dump.get("http.outcome.resetByServer"));
        assertFalse(dump.isEmpty(), "the server printed its counters when it stopped");
        dump.forEach((key, value) -> assertTrue(value >= 0, key + "=" + value + " in the stop-time dump"));
        assertEquals(metrics.count(DROPS), dump.get("ring.kernelRxDrops"), "ring drops: dump vs the last scrape");
        assertEquals(metrics.count(REQUESTS, "outcome", "completed"), dump.get("http.outcome.completed"));
        assertEquals(metrics.count(REQUESTS, "outcome", "client_aborted"), dump.get("http.outcome.abortedByClient"));
        assertEquals(metrics.count(REQUESTS, "outcome", "server_reset"), dump.get("http.outcome.resetByServer"));
    }

    private long delta(PrometheusText after, PrometheusText before, String... labels) {
        return after.count(REQUESTS, labels) - before.count(REQUESTS, labels);
    }

    private void signal(String signal) throws IOException, InterruptedException {
        final Process kill = new ProcessBuilder(
                        "kill", signal, Long.toString(served.server().pid()))
                .redirectErrorStream(true)
                .start();
        final String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill " + signal + ": " + out);
    }

    /** The {@code key=value} lines the server printed after "stopped; counters:". */
    private static Map<String, Long> stopTimeDump(Path log) throws IOException {
        final Map<String, Long> values = new TreeMap<>();
        boolean inDump = false;
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            if (line.contains("stopped; counters:")) {
                inDump = true;
                values.clear();
            } else if (inDump && line.startsWith("  ") && line.indexOf('=') > 0) {
                final int eq = line.indexOf('=');
                values.put(
                        line.substring(0, eq).strip(),
                        Long.parseLong(line.substring(eq + 1).strip()));
            }
        }
        return values;
    }
}
