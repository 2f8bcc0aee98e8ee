package dev.atlas.bench.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.bench.interop.NftTable;
import dev.atlas.bench.interop.Prerequisites;
import dev.atlas.bench.netns.Topology;
import dev.atlas.bench.tcp.AtlasServerProcess;
import dev.atlas.catalogue.CatalogueEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Bad input and faults affect only the connection they hit: the catalogue server (two lanes, on
 * the emulated NVMe controller with a bad block in the middle of one file) keeps serving every
 * other client byte-exact while one download hits the unreadable block, while malformed
 * requests arrive, and after a client vanishes mid-download (its namespace drops everything
 * and it dies), which the server cleans up by timeout, giving back its chunk buffers.
 */
@Tag("root")
@Timeout(180)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DataPathRobustnessTest {
    private static final long MIB = 1L << 20;
    private static final long FILE_BYTES = 8 * MIB;
    private static final long IDLE_TIMEOUT_MS = 4_000;
    private static final List<String> GOOD = List.of("v/a.bin", "v/b.bin", "v/c.bin");
    private static final String BAD = "v/bad.bin";

    private Path work;
    private ServedContent content;
    private Topology net;
    private AtlasServerProcess server;

    @BeforeAll
    void up() throws Exception {
        Prerequisites.require("ip", "nft", "ethtool", "curl", "bash");
        work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "robustness");
        final Map<String, Long> files = new LinkedHashMap<>();
        for (String name : GOOD) {
            files.put(name, FILE_BYTES);
        }
        files.put(BAD, FILE_BYTES);
        content = ServedContent.build(work, "64M", files, 7);
        // The emulated controller's namespace has 4 KiB blocks, as the catalogue: the block in
        // the middle of the bad file cannot be read.
        final CatalogueEntry bad = content.entry(BAD);
        final long badLba = bad.firstLba() + FILE_BYTES / 2 / 4096;
        net = Topology.up(Topology.uniqueName("robust"), Topology.Mode.DIRECT).removeOnExit();
        server = AtlasServerProcess.startCatalogue(
                        net.serverNamespace(),
                        net.serverInterface(),
                        net.serverCidr(),
                        List.of(content.image),
                        List.of(
                                "--lanes",
                                "2",
                                "--transport",
                                "emulated",
                                "--emulated-faults",
                                "seed=5,out-of-order,delay=0..2,media-error=" + badLba + "+1",
                                "--idle-timeout-ms",
                                Long.toString(IDLE_TIMEOUT_MS)),
                        work.resolve("server"))
                .awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    void down() throws Exception {
        if (server != null) {
            final int exit = server.stop();
            System.out.println("robustness: server exited with " + exit + "; counters " + server.stats());
            assertEquals(0, exit, "SIGTERM must stop the server with exit status 0");
        }
        if (net != null) {
            net.close();
        }
    }

    private String url(String name) {
        return "http://" + net.serverAddress() + "/" + name;
    }

    private Path output(String tag) {
        return work.resolve(tag.replace('/', '_'));
    }

    @Test
    @Order(1)
    void anUnreadableBlockResetsOnlyItsDownload() throws Exception {
        final Map<String, Long> before = server.freshStats();
        final List<Curl.Running> good = new ArrayList<>();
        for (String name : GOOD) {
            good.add(Curl.start(net.clientNamespace(), url(name), output("fault-" + name), 60));
        }
        final Curl.Result bad = Curl.get(net.clientNamespace(), url(BAD), output("fault-bad"), 60);
        for (int i = 0; i < GOOD.size(); i++) {
            final Curl.Result r = good.get(i).finish();
            assertTrue(r.ok() && r.bytes() == FILE_BYTES, GOOD.get(i) + ": " + r);
            assertTrue(
                    content.matches(GOOD.get(i), output("fault-" + GOOD.get(i))),
                    GOOD.get(i) + " differs from its source");
        }
        System.out.println("robustness: download of the file with the bad block: " + bad);
        assertFalse(bad.ok() && bad.bytes() == FILE_BYTES, "a download through an unreadable block cannot complete");
        assertTrue(bad.bytes() <= FILE_BYTES / 2, "nothing past the bad block was sent: " + bad);
        final Path partial = output("fault-bad");
        if (Files.exists(partial) && Files.size(partial) > 0) {
            // What did arrive is the file's own bytes.
            final byte[] got = Files.readAllBytes(partial);
            final byte[] want = Files.readAllBytes(content.source(BAD));
            assertEquals(
                    -1,
                    java.util.Arrays.mismatch(got, 0, got.length, want, 0, got.length),
                    "the bytes before the bad block");
        }
        final Map<String, Long> after = server.freshStats();
        assertTrue(delta(after, before, "disk.readErrors") >= 1, "the media error was seen: " + after);
        // The same file again fails the same way, and a good one right after is served.
        assertFalse(Curl.get(net.clientNamespace(), url(BAD), output("fault-bad-2"), 60)
                        .ok()
                && Files.size(output("fault-bad-2")) == FILE_BYTES);
        final Curl.Result again = Curl.get(net.clientNamespace(), url(GOOD.get(0)), output("fault-after"), 60);
        assertTrue(
                again.ok() && content.matches(GOOD.get(0), output("fault-after")), "served after the faults: " + again);
    }

    @Test
    @Order(2)
    void malformedRequestsBesideDownloadsDisturbNoOne() throws Exception {
        final Map<String, Long> before = server.freshStats();
        final List<Curl.Running> downloads = new ArrayList<>();
        for (String name : GOOD) {
            downloads.add(Curl.start(
                    net.clientNamespace(), url(name), output("malformed-" + name), 60, "--limit-rate", "8M"));
        }
        final String[] garbage = {
            "GARBAGE\\r\\n\\r\\n",
            "GET / HTTP/9.9\\r\\n\\r\\n",
            "GET /v/a.bin HTTP/1.1\\r\\nHost: x\\r\\nBad Header\\r\\n\\r\\n",
            "\\x00\\x01\\x02\\xff\\r\\n\\r\\n",
            "GET /" + "x".repeat(9000) + " HTTP/1.1\\r\\n\\r\\n",
            "GET /v/a.bin HTTP/1.1\\r\\nRange: bytes=zz\\r\\nHost: x\\r\\n\\r\\n",
            "POST /v/a.bin HTTP/1.1\\r\\nContent-Length: 5\\r\\n\\r\\nhello",
        };
        int answered = 0;
        for (int round = 0; round < 3; round++) {
            for (String request : garbage) {
                final String reply = raw(request);
                if (reply.startsWith("HTTP/1.1 ")) {
                    answered++;
                }
            }
        }
        for (int i = 0; i < GOOD.size(); i++) {
            final Curl.Result r = downloads.get(i).finish();
            assertTrue(r.ok() && r.bytes() == FILE_BYTES, GOOD.get(i) + ": " + r);
            assertTrue(content.matches(GOOD.get(i), output("malformed-" + GOOD.get(i))), GOOD.get(i) + " differs");
        }
        final Map<String, Long> after = server.freshStats();
        System.out.println(
                "robustness: " + answered + " of " + 3 * garbage.length + " malformed requests answered with a status;"
                        + " malformed " + delta(after, before, "http.malformed") + ", 400 "
                        + delta(after, before, "http.status.400")
                        + ", 405 " + delta(after, before, "http.status.405") + ", 416 "
                        + delta(after, before, "http.status.416")
                        + ", 414 " + delta(after, before, "http.status.414") + ", 505 "
                        + delta(after, before, "http.status.505"));
        assertEquals(3 * garbage.length, answered, "every malformed request gets an HTTP status");
        assertEquals(
                0,
                delta(after, before, "lane.frameErrors") + delta(after, before, "lane.outputErrors"),
                "no handler failed");
    }

    @Test
    @Order(3)
    void aVanishedClientIsCleanedUpAndItsBuffersReturn() throws Exception {
        final Curl.Running slow =
                Curl.start(net.clientNamespace(), url(GOOD.get(1)), output("vanish"), 60, "--limit-rate", "500K");
        awaitStat("tcp.connectionsOpen", open -> open >= 1, Duration.ofSeconds(10));
        // The client vanishes: its namespace drops port-80 traffic both ways, so neither its FIN
        // nor its RST reaches the server; then the process dies.
        try (NftTable blackhole = NftTable.create(
                net.clientNamespace(),
                "inet",
                "chain out { type filter hook output priority 0; tcp dport 80 drop; }",
                "chain in { type filter hook input priority 0; tcp sport 80 drop; }")) {
            slow.vanish();
            final long start = System.nanoTime();
            awaitStat("tcp.connectionsOpen", open -> open == 0, Duration.ofSeconds(60));
            awaitStat("disk.buffersInUse", inUse -> inUse == 0, Duration.ofSeconds(10));
            System.out.printf(
                    "robustness: vanished client cleaned up after %.1f s (idle timeouts %d, retransmit timeouts %d)%n",
                    (System.nanoTime() - start) / 1e9,
                    server.stat("tcp.idleTimeouts"),
                    server.stat("tcp.retransmitTimeouts"));
        }
        final Curl.Result next = Curl.get(net.clientNamespace(), url(GOOD.get(2)), output("after-vanish"), 60);
        assertTrue(
                next.ok() && content.matches(GOOD.get(2), output("after-vanish")),
                "served after the vanished client: " + next);
    }

    /** Sends {@code request} (bash escapes) on a new connection from the client namespace; returns what came back. */
    private String raw(String request) throws IOException, InterruptedException {
        final Process p = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        net.clientNamespace(),
                        "bash",
                        "-c",
                        "exec 3<>/dev/tcp/" + net.serverAddress() + "/80 && printf '" + request.replace("'", "")
                                + "' >&3 && timeout 3 cat <&3")
                .redirectErrorStream(true)
                .start();
        final String reply = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        p.waitFor(10, TimeUnit.SECONDS);
        return reply;
    }

    private void awaitStat(String key, LongPredicate condition, Duration timeout) throws Exception {
        final long deadline = System.nanoTime() + timeout.toNanos();
        long value = server.stat(key);
        while (!condition.test(value)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        key + " is still " + value + " after " + timeout + "; counters " + server.stats());
            }
            Thread.sleep(100);
            value = server.stat(key);
        }
    }

    private static long delta(Map<String, Long> after, Map<String, Long> before, String key) {
        return after.getOrDefault(key, 0L) - before.getOrDefault(key, 0L);
    }
}
