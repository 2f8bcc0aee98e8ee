package dev.atlas.bench.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.atlas.bench.datapath.ServedContent;
import dev.atlas.bench.interop.Prerequisites;
import dev.atlas.bench.netns.Topology;
import dev.atlas.bench.tcp.AtlasServerProcess;
import dev.atlas.bench.tcp.Commands;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A measurement, run on demand ({@code -Datlas.idleConnections=100000}; too heavy for every
 * suite run): one lane holds that many idle keep-alive connections, each having fetched a small
 * file once, from several client JVMs (a process may hold 20,000 descriptors here), each on its
 * own client address (its own ephemeral ports) added inside the test's client namespace. Prints
 * the server's RSS before and while holding them.
 */
@Tag("root")
@Timeout(600)
@EnabledIfSystemProperty(named = "atlas.idleConnections", matches = "\\d+")
class IdleConnectionsRssTest {
    private static final int PER_PROCESS = 15_000;

    @Test
    void serverRssAtManyIdleConnections() throws Exception {
        Prerequisites.require("ip");
        final int total = Integer.parseInt(System.getProperty("atlas.idleConnections"));
        final Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "idle-rss");
        final ServedContent content = ServedContent.build(work, "16M", Map.of("v/small.bin", 1024L), 3);
        try (Topology net = Topology.up(Topology.uniqueName("idlerss"), Topology.Mode.DIRECT)
                        .removeOnExit();
                AtlasServerProcess server = AtlasServerProcess.startCatalogue(
                                net.serverNamespace(),
                                net.serverInterface(),
                                net.serverCidr(),
                                List.of(content.image),
                                List.of(
                                        "--max-connections",
                                        Integer.toString(total),
                                        "--keepalive-timeout-ms",
                                        "600000",
                                        "--idle-timeout-ms",
                                        "600000"),
                                work.resolve("server"))
                        .awaitReady(Duration.ofSeconds(120))) {
            final long rssStart = SlowAndIdleClientsTest.rssBytes(server.pid());
            final List<Process> clients = new ArrayList<>();
            try {
                int left = total;
                for (int i = 0; left > 0; i++) {
                    final String local = "198.18.0." + (11 + i);
                    Commands.output(List.of(
                            "ip",
                            "-n",
                            net.clientNamespace(),
                            "addr",
                            "add",
                            local + "/24",
                            "dev",
                            net.clientInterface()));
                    final int n = Math.min(PER_PROCESS, left);
                    clients.add(SlowAndIdleClientsTest.clients(net, n, 0, 120, local));
                    left -= n;
                }
                final StringBuilder holding = new StringBuilder();
                for (Process p : clients) {
                    final BufferedReader lines = p.inputReader(StandardCharsets.UTF_8);
                    holding.append(SlowAndIdleClientsTest.awaitLine(lines, "holding", p))
                            .append("; ");
                }
                final Map<String, Long> stats = server.freshStats();
                final long rssHolding = SlowAndIdleClientsTest.rssBytes(server.pid());
                System.out.printf(
                        Locale.ROOT,
                        "idle connections: %d held (%s); server RSS %.1f MiB at start with a table of %d,"
                                + " %.1f MiB holding them: %.0f B per idle connection%n",
                        stats.getOrDefault("tcp.connectionsOpen", 0L),
                        holding,
                        rssStart / 1048576.0,
                        total,
                        rssHolding / 1048576.0,
                        (rssHolding - rssStart) / (double) total);
                assertEquals(total, stats.getOrDefault("tcp.connectionsOpen", 0L));
            } finally {
                for (Process p : clients) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }
}
