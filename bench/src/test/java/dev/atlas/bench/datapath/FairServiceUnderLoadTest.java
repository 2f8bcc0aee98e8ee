package dev.atlas.bench.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.bench.interop.Prerequisites;
import dev.atlas.bench.load.ChunkLoad;
import dev.atlas.bench.load.Manifest;
import dev.atlas.bench.netns.Topology;
import dev.atlas.bench.tcp.AtlasServerProcess;
import dev.atlas.catalogue.Catalogue;
import dev.atlas.catalogue.CatalogueEntry;
import dev.atlas.catalogue.cli.CatalogueCli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fair service under load, with default settings (256 chunk buffers per lane): a thousand, then
 * four thousand kernel-TCP connections in the client namespace each fetch random 300 KiB files
 * of a catalogue over keep-alive for a bounded time; every body must match the catalogue's
 * SHA-256, no request may time out, and every connection must be answered. Before the lane
 * shared its buffers fairly and sent short segments to break hold-and-wait, a thousand
 * connections stopped a lane dead.
 */
@Tag("root")
@Timeout(600)
class FairServiceUnderLoadTest {
    private static final int FILES = 192;
    private static final int FILE_BYTES = 300 * 1024;
    private static final int LOAD_SECONDS = 12;
    private static final int TIMEOUT_SECONDS = 30;

    @Test
    void aThousandAndFourThousandViewersAreAllServedByteExact() throws Exception {
        Prerequisites.require("ip", "nft", "ethtool");
        final Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "fair-service");
        final Path image = work.resolve("catalogue.img");
        final Path sources = work.resolve("content");
        Files.createDirectories(sources);
        final SplittableRandom random = new SplittableRandom(9);
        final byte[] bytes = new byte[FILE_BYTES];
        for (int i = 0; i < FILES; i++) {
            random.nextBytes(bytes);
            Files.write(sources.resolve(String.format("seg-%03d.ts", i)), bytes);
        }
        assertEquals(0, CatalogueCli.run("format", "-d", image.toString(), "--size", "128M"));
        assertEquals(0, CatalogueCli.run("import", "-d", image.toString(), sources.toString()));
        final List<Manifest.Item> items = new ArrayList<>();
        try (Catalogue catalogue = Catalogue.open(List.of(image))) {
            for (CatalogueEntry entry : catalogue.entries()) {
                items.add(new Manifest.Item(entry.name(), entry.length(), entry.sha256()));
            }
        }
        assertEquals(FILES, items.size());
        final Path manifest = work.resolve("manifest.tsv");
        new Manifest(items).write(manifest);

        try (Topology net = Topology.up(Topology.uniqueName("fair"), Topology.Mode.DIRECT)
                        .removeOnExit();
                AtlasServerProcess server = AtlasServerProcess.startCatalogue(
                                net.serverNamespace(),
                                net.serverInterface(),
                                net.serverCidr(),
                                List.of(image),
                                List.of(),
                                work.resolve("server"))
                        .awaitReady(Duration.ofSeconds(60))) {
            for (int connections : new int[] {1000, 4000}) {
                final Map<String, String> result = load(net, manifest, connections);
                final String figures = connections + " connections: " + result + "\n" + server.logTail();
                System.out.println("fair service: " + connections + " connections: " + result);
                assertEquals("0", result.get("corrupt"), figures);
                assertEquals("0", result.get("errors"), figures);
                assertEquals("0", result.get("timeouts"), figures);
                assertEquals("0", result.get("connections_without_a_response"), figures);
                assertTrue(Long.parseLong(result.get("requests")) >= connections, figures);
            }
            assertTrue(server.isAlive(), server.logTail());
        }
    }

    /** Runs {@link ChunkLoad} in the client namespace and returns its key=value report. */
    private static Map<String, String> load(Topology net, Path manifest, int connections)
            throws IOException, InterruptedException {
        final List<String> command = List.of(
                "ip",
                "netns",
                "exec",
                net.clientNamespace(),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-cp",
                System.getProperty("java.class.path"),
                ChunkLoad.class.getName(),
                "--server",
                net.serverAddress() + ":80",
                "--manifest",
                manifest.toString(),
                "--connections",
                Integer.toString(connections),
                "--seconds",
                Integer.toString(LOAD_SECONDS),
                "--timeout-seconds",
                Integer.toString(TIMEOUT_SECONDS));
        final Process process =
                new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output;
        try {
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(
                    process.waitFor(LOAD_SECONDS + 2L * TIMEOUT_SECONDS + 60, TimeUnit.SECONDS),
                    "the load did not stop");
        } finally {
            process.destroyForcibly();
        }
        final Map<String, String> result = new HashMap<>();
        for (String line : output.split("\n")) {
            final int eq = line.indexOf('=');
            if (eq > 0 && !line.contains(" ")) {
                result.put(line.substring(0, eq), line.substring(eq + 1).trim());
            }
        }
        assertTrue(result.containsKey("requests"), "the load printed no report:\n" + output);
        return result;
    }
}
