package dev.atlas.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.bench.netns.Topology;
import dev.atlas.bench.tcp.AtlasServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
 * Acceptance items 2 and 5. Atlas serves a catalogue in the srv namespace of a direct topology;
 * a real Prometheus (the Debian package) runs beside it on that namespace's loopback with the
 * shipped scrape configuration and rules, its targets file pointing at the management server.
 * After a download from the client namespace, Prometheus's API returns the bytes the server sent
 * (heads and body, as curl counted them); every alert expression and every dashboard query
 * evaluates without error and has series; Prometheus evaluates every rule healthily; and every
 * metric name the rules and the dashboard use is one the live {@code /metrics} exports.
 */
@Tag("root")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LivePrometheusTest {
    private static final String PROMETHEUS_ADDRESS = "127.0.0.1:9090";
    private static final Duration READY = Duration.ofSeconds(30);
    private static final Duration COMMAND = Duration.ofSeconds(30);
    /** The shipped intervals (15 s) scaled down so the test sees several scrapes in seconds. */
    private static final String TEST_INTERVAL = "1s";
    /** Names Prometheus makes itself rather than scraping them. */
    private static final Set<String> SYNTHETIC = Set.of("up");

    private Path work;
    private TestCatalogue catalogue;
    private Topology net;
    private AtlasServerProcess server;
    private Process prometheus;
    private PrometheusApi api;
    private long servedBytes;

    @BeforeAll
    void up() throws Exception {
        Tools.require(true, "ip", "ethtool", "curl", "prometheus");
        work = DeployFiles.scratch("live-prometheus");
        catalogue = TestCatalogue.make(work);
        net = Topology.up(Topology.uniqueName("dprom"), Topology.Mode.DIRECT).removeOnExit();
        server = AtlasServerProcess.startCatalogue(
                        net.serverNamespace(),
                        net.serverInterface(),
                        net.serverCidr(),
                        List.of(catalogue.image()),
                        List.of(),
                        work.resolve("server"))
                .awaitReady(READY);
        prometheus = startPrometheus(work.resolve("prometheus"));
        api = new PrometheusApi(
                path -> inServerNamespace("curl", "-sS", "--max-time", "10", "http://" + PROMETHEUS_ADDRESS + path));
        awaitPrometheusReady();
    }

    @AfterAll
    void down() throws Exception {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
        if (server != null) {
            server.stop();
        }
        if (net != null) {
            net.close();
        }
        DeployFiles.remove(work);
    }

    /** The shipped prometheus.yml and rules, the targets file naming the server's management address. */
    private Process startPrometheus(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("targets"));
        final String shipped = Files.readString(DeployFiles.SCRAPE_CONFIG);
        final String config = shipped.replace("scrape_interval: 15s", "scrape_interval: " + TEST_INTERVAL)
                .replace("evaluation_interval: 15s", "evaluation_interval: " + TEST_INTERVAL)
                .replace("scrape_timeout: 5s", "scrape_timeout: " + TEST_INTERVAL);
        assertFalse(
                config.contains(": 15s") || config.contains(": 5s"),
                "every interval of the shipped config was scaled for the test");
        Files.writeString(dir.resolve("prometheus.yml"), config);
        Files.copy(DeployFiles.ALERTS, dir.resolve("atlas-alerts.yml"));
        Files.writeString(
                dir.resolve("targets").resolve("atlas-test.json"),
                "[{\"targets\": [\"" + AtlasServerProcess.MANAGEMENT + "\"], \"labels\": {\"site\": \"test\"}}]\n");
        return new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        net.serverNamespace(),
                        "prometheus",
                        "--config.file=" + dir.resolve("prometheus.yml"),
                        "--storage.tsdb.path=" + dir.resolve("data"),
                        "--web.listen-address=" + PROMETHEUS_ADDRESS,
                        "--log.level=warn")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile())
                .start();
    }

    private void awaitPrometheusReady() throws Exception {
        final long deadline = System.nanoTime() + READY.toNanos();
        while (System.nanoTime() < deadline) {
            assertTrue(prometheus.isAlive(), () -> "prometheus exited: " + log());
            try {
                final PrometheusApi.Answer up = api.query("up{job=\"atlas\"}");
                if (up.ok() && !up.result().isEmpty() && up.firstValue() == 1) {
                    return;
                }
            } catch (IOException notListeningYet) {
                // Prometheus opens its port after loading the configuration and the rules.
            }
            Thread.sleep(250);
        }
        throw new AssertionError("Prometheus did not scrape Atlas within " + READY + ": " + log());
    }

    private String log() {
        try {
            return Files.readString(work.resolve("prometheus").resolve("prometheus.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private String inServerNamespace(String... command) throws IOException, InterruptedException {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", net.serverNamespace()));
        full.addAll(List.of(command));
        final Tools.Result result = Tools.run(COMMAND, null, Map.of(), full);
        if (!result.ok()) {
            throw new IOException(result.toString());
        }
        return result.output();
    }

    @Test
    @Order(1)
    void prometheusReportsTheBytesOfADownload() throws Exception {
        final Path body = work.resolve("downloaded.ts");
        final Tools.Result curl = Tools.run(
                COMMAND,
                null,
                Map.of(),
                List.of(
                        "ip",
                        "netns",
                        "exec",
                        net.clientNamespace(),
                        "curl",
                        "-sS",
                        "--max-time",
                        "20",
                        "-o",
                        body.toString(),
                        "-w",
                        "%{http_code} %{size_download} %{size_header}",
                        "http://" + net.serverAddress() + "/" + catalogue.name()));
        assertTrue(curl.ok(), curl::toString);
        final String[] reported = curl.output().strip().split(" ");
        assertEquals("200", reported[0], curl::toString);
        assertEquals(
                -1L, Files.mismatch(body, catalogue.segment()), "the download is the catalogue's file byte for byte");
        servedBytes = Long.parseLong(reported[1]) + Long.parseLong(reported[2]);

        final PrometheusApi.Answer answer = api.awaitValue(
                "sum(atlas_http_response_bytes_total{job=\"atlas\"})", servedBytes, Duration.ofSeconds(15));
        assertTrue(answer.ok() && !answer.result().isEmpty(), answer::toString);
        assertEquals(
                servedBytes,
                (long) answer.firstValue(),
                "response bytes Prometheus scraped = curl's head + body bytes");
        final PrometheusApi.Answer ok = api.query("sum(atlas_http_requests_total{job=\"atlas\",status=\"200\"})");
        assertEquals(1, (long) ok.firstValue(), ok::toString);
        System.out.printf(
                "deploy: Prometheus saw %d response bytes for a %d-byte download%n", servedBytes, Files.size(body));
    }

    @Test
    @Order(2)
    void everyAlertExpressionEvaluatesWithSeries() throws Exception {
        final List<String> problems = new ArrayList<>();
        for (AlertRules.Alert alert : AlertRules.read(DeployFiles.ALERTS)) {
            final PrometheusApi.Answer asWritten = api.query(alert.expr());
            if (!asWritten.ok()) {
                problems.add(alert.name() + ": " + asWritten.error());
                continue;
            }
            // As a 0/1 condition the expression has a series wherever the alert could be decided.
            final String condition = PromQl.asCondition(alert.expr());
            final PrometheusApi.Answer decided = api.query(condition);
            if (!decided.ok() || decided.result().isEmpty()) {
                problems.add(alert.name() + ": no series for " + condition
                        + (decided.ok() ? "" : " (" + decided.error() + ")"));
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    @Order(3)
    void prometheusEvaluatesEveryRuleHealthily() throws Exception {
        // Two evaluation rounds after start-up at the test's interval.
        Thread.sleep(2_500);
        final Map<String, String> health = api.ruleHealth();
        assertEquals(AlertRules.read(DeployFiles.ALERTS).size(), health.size(), health::toString);
        health.forEach((rule, state) -> assertEquals("ok", state, rule));
        // A healthy node that just served a download fires nothing.
        assertEquals(List.of(), api.firingAlerts(), "alerts firing on a healthy node");
    }

    @Test
    @Order(4)
    void everyDashboardQueryEvaluatesWithSeries() throws Exception {
        final Dashboard dashboard = new Dashboard(DeployFiles.DASHBOARD);
        assertTrue(
                dashboard.panelQueries().size() >= 20,
                "dashboard queries: " + dashboard.panelQueries().size());
        final List<String> problems = new ArrayList<>();
        for (Dashboard.Query query : dashboard.panelQueries()) {
            final PrometheusApi.Answer answer = api.query(query.expr());
            if (!answer.ok() || answer.result().isEmpty()) {
                problems.add(
                        query.panel() + ": " + query.expr() + (answer.ok() ? " has no series" : ": " + answer.error()));
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    @Order(5)
    void everyMetricNameUsedIsExported() throws Exception {
        final Set<String> exported = new TreeSet<>();
        for (String line : inServerNamespace("curl", "-sS", "--max-time", "10", server.managementUrl("/metrics"))
                .split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                exported.add(line.split("[{ ]", 2)[0]);
            }
        }
        assertTrue(exported.contains("atlas_tx_bytes_total"), "a live /metrics: " + exported);
        final Set<String> used = new TreeSet<>();
        AlertRules.read(DeployFiles.ALERTS).forEach(a -> used.addAll(PromQl.metricNames(a.expr())));
        final Dashboard dashboard = new Dashboard(DeployFiles.DASHBOARD);
        dashboard.panelQueries().forEach(q -> used.addAll(PromQl.metricNames(q.expr())));
        dashboard.variableQueries().forEach(q -> used.addAll(PromQl.metricNames(q)));
        assertTrue(used.size() >= 25, "names used: " + used);
        final Set<String> unknown = new TreeSet<>(used);
        unknown.removeAll(exported);
        unknown.removeAll(SYNTHETIC);
        assertEquals(Set.of(), unknown, "metric names in the rules or the dashboard that /metrics does not export");
    }

    /** The unit's ExecReload and ExecStop: atlas-admin reads the management address from the config file. */
    @Test
    @Order(6)
    void adminScriptReloadsThenDrainsUntilTheServerHasExited() throws Exception {
        final Path config = work.resolve("serve.properties");
        Files.writeString(config, "management = " + AtlasServerProcess.MANAGEMENT + "\ndrain-timeout-s = 10\n");
        final String admin = DeployFiles.BIN.resolve("atlas-admin").toString();
        final Tools.Result reload = Tools.run(
                COMMAND,
                null,
                Map.of(),
                List.of("ip", "netns", "exec", net.serverNamespace(), admin, "--config", config.toString(), "reload"));
        assertEquals(0, reload.exitCode(), reload::toString);

        final long started = System.nanoTime();
        final Tools.Result drain = Tools.run(
                COMMAND,
                null,
                Map.of(),
                List.of(
                        "ip",
                        "netns",
                        "exec",
                        net.serverNamespace(),
                        admin,
                        "--config",
                        config.toString(),
                        "drain",
                        Long.toString(server.pid())));
        assertEquals(0, drain.exitCode(), drain::toString);
        assertFalse(
                server.isAlive(), () -> "atlas-admin drain returned while the server still runs:\n" + drain.output());
        assertEquals(0, server.awaitExit(Duration.ofSeconds(5)), "a drained server exits 0");
        System.out.printf(
                "deploy: atlas-admin drain returned after %.1f s, the server exited 0%n",
                (System.nanoTime() - started) / 1e9);
    }
}
