package dev.atlas.bench.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.catalogue.Catalogue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * The management plane of a running {@code atlas serve} on a catalogue (acceptance item 5):
 * after a known workload from curl (full GETs, 404s, a range, a HEAD), {@code /metrics} passes
 * {@code promtool check metrics} without a lint finding, and its counters agree with what curl
 * sent and received and with the server's stats file. The server takes part of its settings
 * from a {@code --config} file (two lanes, so every counter is a sum over lanes) and one from
 * the command line, which wins.
 */
@Tag("root")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ManagementPlaneTest {
    private static final long BLOCK = 4096;
    private static final long RECORD = 16 * 1024;
    private static final String SEGMENT = "media/seg1.ts";
    private static final long SEGMENT_BYTES = 1_234_567;
    private static final String PLAYLIST = "media/index.m3u8";
    private static final String INIT = "media/init.mp4";
    private static final int FULL_GETS = 5;
    private static final int NOT_FOUND = 3;
    private static final long RANGE_FIRST = 100;
    private static final long RANGE_LAST = 8291;

    private CatalogueServer served;
    private Path content;
    private long generation;
    private long catalogueBytes;

    @BeforeAll
    void up() throws Exception {
        Prerequisites.require("ip", "nft", "ethtool", "curl", "promtool");
        served = CatalogueServer.format("mgmt", "128M");
        content = served.dir("content");
        CatalogueServer.writeFile(content, SEGMENT, SEGMENT_BYTES, 1);
        CatalogueServer.writeFile(content, PLAYLIST, 613, 2);
        CatalogueServer.writeFile(content, INIT, 70_001, 3);
        catalogueBytes = SEGMENT_BYTES + 613 + 70_001;
        served.importTree(content);
        try (Catalogue catalogue = Catalogue.open(List.of(served.image()))) {
            generation = catalogue.generation();
        }
        // Settings from a file; the port in it is overridden on the command line.
        final Path config = served.work().resolve("atlas.conf");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "# test configuration",
                        "lanes = 2",
                        "port = 8080",
                        "drain-timeout-s = 20",
                        "idle-timeout-ms = 30000",
                        ""),
                StandardCharsets.UTF_8);
        served.start("mgmt", List.of("--config", config.toString(), "--port", "80"));
    }

    @AfterAll
    void down() throws Exception {
        if (served != null) {
            served.close();
        }
    }

    @Test
    @Order(1)
    void healthReadinessAndTheConfigFile() throws Exception {
        assertEquals("200 ok", served.get("/healthz").toString());
        assertEquals("200 ready", served.get("/readyz").toString());
        final PrometheusText metrics = served.scrape();
        assertEquals(1, metrics.count("atlas_ready"));
        assertEquals(0, metrics.count("atlas_draining"));
        assertEquals(
                Set.of("0", "1"),
                metrics.labelValues("atlas_http_requests_total", "lane"),
                "lanes = 2 from the configuration file");
        // The command line's --port 80 won over the file's port = 8080: the data plane answers on 80.
        final CatalogueServer.Fetched playlist = served.fetch(PLAYLIST);
        assertTrue(playlist.isExactly(content.resolve(PLAYLIST)), playlist::toString);

        assertEquals(404, served.get("/nothing-here").status());
        final CatalogueServer.Reply getDrain = served.get("/admin/drain");
        assertEquals(405, getDrain.status(), "a GET must never drain: " + getDrain);
        assertEquals("200 ready", served.get("/readyz").toString(), "still ready after GET /admin/drain");
    }

    @Test
    @Order(2)
    void countersAgreeWithWhatCurlSentAndReceived() throws Exception {
        awaitIdle();
        final PrometheusText before = served.scrape();
        final List<CatalogueServer.Fetched> transfers = new ArrayList<>();
        long bodyBytes = 0;
        long blockSpans = 0;
        for (int i = 0; i < FULL_GETS; i++) {
            final CatalogueServer.Fetched full = served.fetch(SEGMENT);
            assertTrue(
                    full.isExactly(content.resolve(SEGMENT)),
                    () -> full + "\n" + served.server().logTail());
            transfers.add(full);
            bodyBytes += SEGMENT_BYTES;
            blockSpans += roundUp(SEGMENT_BYTES, BLOCK);
        }
        for (int i = 0; i < NOT_FOUND; i++) {
            final CatalogueServer.Fetched missing = served.fetch("media/missing-" + i + ".ts");
            assertEquals(404, missing.status(), missing::toString);
            transfers.add(missing);
        }
        final CatalogueServer.Fetched range = served.fetch(SEGMENT, "-r", RANGE_FIRST + "-" + RANGE_LAST);
        assertEquals(206, range.status(), range::toString);
        final byte[] whole = Files.readAllBytes(content.resolve(SEGMENT));
        assertTrue(
                java.util.Arrays.equals(
                        whole, (int) RANGE_FIRST, (int) RANGE_LAST + 1, Files.readAllBytes(range.body()), 0, (int)
                                (RANGE_LAST - RANGE_FIRST + 1)),
                "the 206 body is bytes 100..8291 of the file");
        transfers.add(range);
        bodyBytes += RANGE_LAST - RANGE_FIRST + 1;
        blockSpans += roundUp(RANGE_LAST + 1, BLOCK) - RANGE_FIRST / BLOCK * BLOCK;
        final CatalogueServer.Fetched head = served.fetch(INIT, "-I");
        assertEquals(200, head.status(), head::toString);
        transfers.add(head);
        final int connections = transfers.size();
        long clientBytes = 0;
        for (CatalogueServer.Fetched t : transfers) {
            clientBytes += t.bodyBytes() + t.headBytes();
        }

        awaitIdle();
        final PrometheusText after = served.scrape();
        final long diskBytes = delta(after, before, "atlas_disk_read_bytes_total");
        final long retransmitReads = delta(after, before, "atlas_disk_reads_by_cause_total", "cause", "retransmission");
        System.out.printf(
                "ops: workload of %d connections: client saw %d bytes (bodies %d); server: response bytes %d, "
                        + "disk read %d bytes in %d reads (%d for retransmissions), TCP payload %d bytes%n",
                connections,
                clientBytes,
                bodyBytes,
                delta(after, before, "atlas_http_response_bytes_total"),
                diskBytes,
                delta(after, before, "atlas_disk_reads_total"),
                retransmitReads,
                delta(after, before, "atlas_tcp_payload_sent_bytes_total"));

        assertEquals(
                FULL_GETS + 1,
                delta(after, before, "atlas_http_requests_total", "status", "200"),
                "200s (GETs + HEAD)");
        assertEquals(NOT_FOUND, delta(after, before, "atlas_http_requests_total", "status", "404"));
        assertEquals(1, delta(after, before, "atlas_http_requests_total", "status", "206"));
        assertEquals(connections, delta(after, before, "atlas_http_requests_total"), "no other status was counted");
        assertEquals(connections, delta(after, before, "atlas_connections_accepted_total"), "one connection per curl");
        assertEquals(
                clientBytes,
                delta(after, before, "atlas_http_response_bytes_total"),
                "response bytes (heads and bodies) = curl's size_header + size_download summed");
        assertTrue(
                delta(after, before, "atlas_tcp_payload_sent_bytes_total") >= clientBytes,
                "TCP carried every response byte");
        // Reads are whole 4 KiB blocks of at most a 16 KiB record: each response reads its block span once,
        // plus at most a record per retransmission read.
        assertTrue(diskBytes >= bodyBytes, "disk read " + diskBytes + " bytes for " + bodyBytes + " body bytes");
        assertTrue(
                diskBytes <= blockSpans + retransmitReads * RECORD,
                "disk read " + diskBytes + " bytes; the responses' block spans are " + blockSpans + " bytes");
        assertEquals(0, after.count("atlas_disk_reads_beyond_window_total"), "reads beyond the window");
        assertEquals(0, after.count("atlas_disk_errors_total"));
        assertEquals(0, delta(after, before, "atlas_http_incomplete_responses_total"));
        assertEquals(0, after.count("atlas_buffers_in_use"), "buffers back in the pool when idle");
        assertEquals(0, after.count("atlas_pipeline_working_set_bytes"));
        assertEquals(0, after.count("atlas_disk_reads_in_flight"));
        assertEquals(0, after.count("atlas_connections"), "no connection left open");

        assertEquals(generation, after.count("atlas_catalogue_generation"));
        assertEquals(3, after.count("atlas_catalogue_entries"));
        assertEquals(catalogueBytes, after.count("atlas_catalogue_bytes"));

        // The stats file (rewritten every 200 ms) tells the same story as the metrics.
        final Map<String, Long> stats = served.server().freshStats();
        assertEquals(after.count("atlas_http_requests_total", "status", "200"), stats.get("http.status.200"));
        assertEquals(after.count("atlas_http_requests_total", "status", "404"), stats.get("http.status.404"));
        assertEquals(after.count("atlas_http_response_bytes_total"), stats.get("http.responseBytes"));
        assertEquals(after.count("atlas_disk_read_bytes_total"), stats.get("disk.readBytes"));
        assertEquals(after.count("atlas_connections_accepted_total"), stats.get("tcp.connectionsTotal"));
        assertEquals(after.count("atlas_tcp_payload_sent_bytes_total"), stats.get("tcp.payloadBytesOut"));

        // And so does the access log: one line per response, with its status.
        final List<String> log = Files.readAllLines(served.server().accessLog());
        assertEquals(
                FULL_GETS,
                log.stream()
                        .filter(l -> l.contains("\"GET /" + SEGMENT + " HTTP/1.1\" 200 "))
                        .count(),
                () -> String.join("\n", log));
        assertEquals(
                1,
                log.stream()
                        .filter(l -> l.contains("\"HEAD /" + INIT + " HTTP/1.1\" 200 "))
                        .count());
        assertEquals(NOT_FOUND, log.stream().filter(l -> l.contains(" 404 ")).count());
        assertEquals(1, log.stream().filter(l -> l.contains(" 206 ")).count());
    }

    @Test
    @Order(3)
    void promtoolFindsNothingToLint() throws Exception {
        final PrometheusText metrics = served.scrape();
        final Process promtool = new ProcessBuilder("promtool", "check", "metrics")
                .redirectErrorStream(true)
                .start();
        try {
            promtool.getOutputStream().write(metrics.text().getBytes(StandardCharsets.UTF_8));
            promtool.getOutputStream().close();
            final String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(promtool.waitFor(30, TimeUnit.SECONDS), "promtool finished");
            assertEquals(0, promtool.exitValue(), "promtool check metrics:\n" + output);
            assertEquals("", output.strip(), "promtool lint findings");
        } finally {
            promtool.destroyForcibly();
        }
        assertTrue(metrics.has("jvm_memory_used_bytes"), "JVM meters are exported too");
        System.out.println("ops: promtool check metrics: " + metrics.samples().size() + " samples, no findings");
    }

    @Test
    @Order(4)
    void reloadAnswersWithTheCatalogueGeneration() throws Exception {
        final CatalogueServer.Reply reload = served.post("/admin/reload");
        assertEquals(200, reload.status(), reload::toString);
        assertEquals(
                "catalogue: generation " + generation + ", 3 files (unchanged)",
                reload.body().strip());
        assertEquals("200 ready", served.get("/readyz").toString());
    }

    /** Waits until no connection is open and every buffer is back (responses acknowledged, FINs done). */
    private void awaitIdle() throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        PrometheusText now;
        do {
            now = served.scrape();
            if (now.count("atlas_connections") == 0
                    && now.count("atlas_buffers_in_use") == 0
                    && now.count("atlas_disk_reads_in_flight") == 0) {
                return;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("the server did not become idle: connections " + now.count("atlas_connections")
                + ", buffers in use " + now.count("atlas_buffers_in_use") + "\n"
                + served.server().logTail());
    }

    private static long delta(PrometheusText after, PrometheusText before, String name, String... labels) {
        return after.count(name, labels) - before.count(name, labels);
    }

    private static long roundUp(long value, long unit) {
        return (value + unit - 1) / unit * unit;
    }
}
