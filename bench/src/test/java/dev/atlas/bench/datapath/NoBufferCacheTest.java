package dev.atlas.bench.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.bench.interop.Prerequisites;
import dev.atlas.bench.netns.Topology;
import dev.atlas.bench.tcp.AtlasServerProcess;
import dev.atlas.catalogue.Catalogue;
import dev.atlas.catalogue.CatalogueEntry;
import dev.atlas.catalogue.cli.CatalogueCli;
import dev.atlas.diskmap.PageCache;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * No buffer cache: the catalogue server serves 4 GiB of distinct content (four 1 GiB files of
 * random bytes) to curl clients, and {@code Cached:} in /proc/meminfo stays within 64 MiB of
 * where it was while it does, and {@code fincore} finds no page of the image resident after.
 * The sources are written and imported with O_DIRECT, the downloads are hashed in a pipe (never
 * written to a file), so nothing of the test's own puts the content in the page cache either;
 * every download's SHA-256 must equal the one the catalogue recorded at import.
 */
@Tag("root")
@Timeout(600)
class NoBufferCacheTest {
    private static final int FILES = 4;
    private static final long FILE_BYTES = 1L << 30;
    private static final long CACHED_MARGIN_BYTES = 64L << 20;

    @Test
    void fourGibibytesServedLeaveThePageCacheAlone() throws Exception {
        Prerequisites.require("ip", "nft", "ethtool", "curl", "fincore", "dd", "sha256sum");
        final Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "no-buffer-cache");
        assertTrue(work.toFile().getUsableSpace() > (FILES + 2) * FILE_BYTES, "needs about 6 GiB free under " + work);
        final Path image = work.resolve("catalogue.img");
        try {
            final Path sources = work.resolve("content");
            Files.createDirectories(sources);
            for (int i = 0; i < FILES; i++) {
                run(
                        "dd",
                        "if=/dev/urandom",
                        "of=" + sources.resolve("part-" + i + ".bin"),
                        "bs=1M",
                        "count=" + (FILE_BYTES >> 20),
                        "oflag=direct",
                        "status=none");
            }
            assertEquals(0, CatalogueCli.run("format", "-d", image.toString(), "--size", "4200M"));
            assertEquals(0, CatalogueCli.run("import", "-d", image.toString(), sources.toString()));
            final List<CatalogueEntry> entries = new ArrayList<>();
            try (Catalogue catalogue = Catalogue.open(List.of(image))) {
                for (int i = 0; i < FILES; i++) {
                    entries.add(catalogue.lookup("part-" + i + ".bin"));
                }
            }
            for (int i = 0; i < FILES; i++) {
                Files.delete(sources.resolve("part-" + i + ".bin"));
            }
            try (Topology net = Topology.up(Topology.uniqueName("nocache"), Topology.Mode.DIRECT)
                            .removeOnExit();
                    AtlasServerProcess server = AtlasServerProcess.startCatalogue(
                                    net.serverNamespace(),
                                    net.serverInterface(),
                                    net.serverCidr(),
                                    List.of(image),
                                    List.of(),
                                    work.resolve("server"))
                            .awaitReady(Duration.ofSeconds(60))) {
                // The server's own start-up (class files, jars) settles before the baseline.
                hashDownload(net, "part-0.bin", "-r", "0-1048575");
                final long cachedAtStart = PageCache.cachedBytes();
                long worstDrift = 0;
                final long started = System.nanoTime();
                for (int i = 0; i < FILES; i += 2) {
                    final Process a = startHash(net, "part-" + i + ".bin");
                    final Process b = startHash(net, "part-" + (i + 1) + ".bin");
                    while (a.isAlive() || b.isAlive()) {
                        worstDrift = Math.max(worstDrift, Math.abs(PageCache.cachedBytes() - cachedAtStart));
                        Thread.sleep(100);
                    }
                    assertEquals(entries.get(i).sha256Hex(), finishHash(a), "SHA-256 of part-" + i + ".bin as served");
                    assertEquals(
                            entries.get(i + 1).sha256Hex(),
                            finishHash(b),
                            "SHA-256 of part-" + (i + 1) + ".bin as served");
                }
                final double seconds = (System.nanoTime() - started) / 1e9;
                worstDrift = Math.max(worstDrift, Math.abs(PageCache.cachedBytes() - cachedAtStart));
                final long resident = PageCache.residentBytes(image);
                System.out.printf(
                        java.util.Locale.ROOT,
                        "no buffer cache: %d GiB served in %.1f s (%.2f Gb/s); Cached: moved"
                                + " by at most %d MiB; fincore of the image: %d bytes; disk reads %d%n",
                        FILES * FILE_BYTES >> 30,
                        seconds,
                        FILES * FILE_BYTES * 8 / seconds / 1e9,
                        worstDrift >> 20,
                        resident,
                        server.stat("disk.reads"));
                assertTrue(
                        worstDrift <= CACHED_MARGIN_BYTES,
                        "Cached: moved by " + (worstDrift >> 20) + " MiB while 4 GiB were served (limit 64 MiB)");
                assertEquals(0, resident, "fincore found page-cache pages of the image");
            }
        } finally {
            Files.deleteIfExists(image);
        }
    }

    private static Process startHash(Topology net, String name, String... curlOptions) throws IOException {
        final String options = String.join(" ", curlOptions);
        return new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        net.clientNamespace(),
                        "bash",
                        "-o",
                        "pipefail",
                        "-c",
                        "curl -sS --fail --max-time 300 " + options + " http://" + net.serverAddress() + "/" + name
                                + " | sha256sum")
                .redirectErrorStream(true)
                .start();
    }

    private static String hashDownload(Topology net, String name, String... curlOptions)
            throws IOException, InterruptedException {
        return finishHash(startHash(net, name, curlOptions));
    }

    /** The hex digest a `curl | sha256sum` pipe printed; fails with its output if it did not succeed. */
    private static String finishHash(Process p) throws IOException, InterruptedException {
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS) && p.exitValue() == 0, "download pipe failed: " + out);
        return out.split("\\s+")[0];
    }

    private static void run(String... command) throws IOException, InterruptedException {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
    }
}
