package dev.atlas.server.mgmt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.server.lane.LaneCounters;
import dev.atlas.server.lane.Readiness;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ManagementServerTest {
    private final AtlasMetrics metrics = new AtlasMetrics();
    private final Readiness readiness = new Readiness();
    private final LaneCounters lane0 = new LaneCounters();
    private final long[] requests200 = new long[1];
    private final long[] buffersInUse = new long[1];
    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ManagementServer server;

    @BeforeEach
    void start() {
        metrics.registerLane("0", new LaneCounterSource(lane0));
        metrics.registerLane(
                "0",
                meters -> meters.counter(
                                "atlas_http_requests_total",
                                "HTTP requests answered, by status.",
                                "status",
                                "200",
                                () -> requests200[0])
                        .gauge("atlas_buffers_in_use", "Lane buffers not free.", () -> buffersInUse[0]));
        server = new ManagementServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics, readiness);
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
        metrics.close();
        client.close();
    }

    private HttpResponse<String> call(String method, String path) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + server.address().getPort() + path);
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** The exposition has the series with this value (Prometheus writes doubles: 42.0, 3.3554432E7). */
    private static void assertSample(String exposition, String series, long value) {
        Matcher sample =
                Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(exposition);
        assertTrue(sample.find(), series + " in\n" + exposition);
        assertEquals((double) value, Double.parseDouble(sample.group(1)), series);
    }

    @Test
    void metricsReadLaneCountersOnEachScrape() throws Exception {
        lane0.rxFrames = 42;
        lane0.busyLoops = 7;
        lane0.frameErrors = 3;
        requests200[0] = 5;
        buffersInUse[0] = 12;
        HttpResponse<String> first = call("GET", "/metrics");
        assertEquals(200, first.statusCode());
        assertTrue(first.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        String body = first.body();
        assertSample(body, "atlas_rx_frames_total{lane=\"0\"}", 42);
        assertSample(body, "atlas_lane_busy_loops_total{lane=\"0\"}", 7);
        assertSample(body, "atlas_lane_errors_total{lane=\"0\",step=\"frame\"}", 3);
        assertSample(body, "atlas_http_requests_total{lane=\"0\",status=\"200\"}", 5);
        assertSample(body, "atlas_buffers_in_use{lane=\"0\"}", 12);
        assertSample(body, "atlas_ready", 0);
        assertTrue(body.contains("# HELP atlas_rx_frames_total Frames taken off the RX ring."), body);
        assertTrue(body.contains("# TYPE atlas_rx_frames_total counter"), body);
        assertTrue(body.contains("jvm_memory_used_bytes{"), "JVM memory meters");
        assertTrue(body.contains("system_cpus "), "processor meters");
        assertSample(body, "atlas_llc_size_bytes", LastLevelCache.sizeBytes());

        lane0.rxFrames = 43;
        assertSample(call("GET", "/metrics").body(), "atlas_rx_frames_total{lane=\"0\"}", 43);
    }

    @Test
    void promtoolAcceptsTheExposition() throws Exception {
        String promtool = findOnPath("promtool");
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        if (promtool == null && ci) {
            throw new AssertionError("promtool is not installed; ./atlas test installs it (Debian package prometheus)");
        }
        Assumptions.assumeTrue(
                promtool != null, "promtool not installed (apt-get install prometheus); skipping the lint");
        String body = call("GET", "/metrics").body();
        Process process = new ProcessBuilder(promtool, "check", "metrics")
                .redirectErrorStream(true)
                .start();
        try {
            process.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "promtool finished");
            assertEquals(0, process.exitValue(), "promtool check metrics says:\n" + output);
            assertFalse(output.contains("atlas_"), "no lint findings on atlas_ metrics:\n" + output);
        } finally {
            process.destroyForcibly();
        }
    }

    private static String findOnPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir, command);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    @Test
    void readinessAndDrain() throws Exception {
        AtomicInteger drains = new AtomicInteger();
        server.addDrainHook(drains::incrementAndGet);
        assertEquals(200, call("GET", "/healthz").statusCode());
        HttpResponse<String> starting = call("GET", "/readyz");
        assertEquals(503, starting.statusCode());
        assertEquals("starting\n", starting.body());

        readiness.markReady();
        assertEquals(200, call("GET", "/readyz").statusCode());
        assertSample(call("GET", "/metrics").body(), "atlas_ready", 1);

        HttpResponse<String> wrongMethod = call("GET", "/admin/drain");
        assertEquals(405, wrongMethod.statusCode());
        assertEquals("POST", wrongMethod.headers().firstValue("Allow").orElse(""));
        assertEquals(0, drains.get());

        assertEquals(200, call("POST", "/admin/drain").statusCode());
        assertEquals(1, drains.get());
        HttpResponse<String> again = call("POST", "/admin/drain");
        assertEquals("already draining\n", again.body());
        assertEquals(1, drains.get(), "drain hooks run once");

        HttpResponse<String> draining = call("GET", "/readyz");
        assertEquals(503, draining.statusCode());
        assertEquals("draining\n", draining.body());
        assertTrue(readiness.isDraining());
        assertEquals(200, call("GET", "/healthz").statusCode(), "still alive while draining");
        String body = call("GET", "/metrics").body();
        assertSample(body, "atlas_ready", 0);
        assertSample(body, "atlas_draining", 1);
    }

    @Test
    void reloadRunsHooksAndReportsFailures() throws Exception {
        assertEquals("nothing to reload\n", call("POST", "/admin/reload").body());
        AtomicInteger generation = new AtomicInteger(6);
        server.addReloadHook("catalogue", () -> "generation " + generation.incrementAndGet());
        HttpResponse<String> ok = call("POST", "/admin/reload");
        assertEquals(200, ok.statusCode());
        assertEquals("catalogue: generation 7\n", ok.body());

        server.addReloadHook("certificates", () -> {
            throw new IOException("cannot read /etc/atlas/tls/cert.pem: no such file; fix the path and reload again");
        });
        HttpResponse<String> failed = call("POST", "/admin/reload");
        assertEquals(500, failed.statusCode());
        assertEquals(
                "catalogue: generation 8\ncertificates: failed: cannot read /etc/atlas/tls/cert.pem: "
                        + "no such file; fix the path and reload again\n",
                failed.body());
    }

    @Test
    void unknownPathsAndMethods() throws Exception {
        assertEquals(404, call("GET", "/nope").statusCode());
        assertEquals(404, call("GET", "/metricsx").statusCode());
        HttpResponse<String> post = call("POST", "/metrics");
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
        HttpResponse<String> head = call("HEAD", "/healthz");
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
    }

    @Test
    void busyPortIsAnOperatorError() {
        UncheckedIOException error = assertThrows(
                UncheckedIOException.class,
                () -> new ManagementServer(server.address(), new AtlasMetrics(), new Readiness()));
        assertTrue(
                error.getMessage()
                        .startsWith("cannot listen for management on 127.0.0.1:"
                                + server.address().getPort()),
                error.getMessage());
    }

    @Test
    void metricNamesFollowTheConventions() {
        assertThrows(
                IllegalArgumentException.class,
                () -> metrics.registerLane("1", m -> m.counter("atlas_rx_frames", "no _total", () -> 0)));
        assertThrows(
                IllegalArgumentException.class,
                () -> metrics.registerLane("1", m -> m.counter("rx_frames_total", "no prefix", () -> 0)));
        assertThrows(
                IllegalArgumentException.class,
                () -> metrics.registerLane("1", m -> m.gauge("atlas_Buffers", "upper case", () -> 0)));
        assertThrows(
                IllegalArgumentException.class,
                () -> metrics.registerLane(
                        "1", m -> m.gauge("atlas_things_total", "gauge named like a counter", () -> 0)));
    }
}
