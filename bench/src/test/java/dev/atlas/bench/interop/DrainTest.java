package dev.atlas.bench.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Drain (acceptance item 6): with a slow download streaming and idle keep-alive connections
 * open, {@code POST /admin/drain} turns /readyz to 503, answers new requests with 503 (or they
 * are refused), closes the idle connections, lets the download finish byte-exact, and the
 * server then exits 0 by itself once the last response is done, well inside its drain timeout.
 */
@Tag("root")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DrainTest {
    private static final String MOVIE = "vod/movie.mp4";
    private static final long MOVIE_BYTES = 24L << 20;
    private static final String SEGMENT = "vod/seg.ts";
    private static final int DRAIN_TIMEOUT_S = 40;
    private static final int IDLE_CONNECTIONS = 3;
    /** Curl exits: 7 could not connect, 52 empty reply, 56 receive failure (reset). */
    private static final List<Integer> REFUSED = List.of(7, 52, 56);

    private CatalogueServer served;
    private Path content;

    @BeforeAll
    void up() throws Exception {
        Prerequisites.require("ip", "nft", "ethtool", "curl", "python3");
        served = CatalogueServer.format("drain", "128M");
        content = served.dir("content");
        CatalogueServer.writeFile(content, MOVIE, MOVIE_BYTES, 11);
        CatalogueServer.writeFile(content, SEGMENT, 200_000, 12);
        served.importTree(content);
        served.start("drain", List.of("--drain-timeout-s", Integer.toString(DRAIN_TIMEOUT_S)));
    }

    @AfterAll
    void down() throws Exception {
        if (served != null) {
            served.close();
        }
    }

    @Test
    void drainFinishesOpenResponsesRefusesNewOnesAndExitsZero() throws Exception {
        final long t0 = System.nanoTime();
        final Process idle = ClientTools.startPython(
                served.net().clientNamespace(),
                ClientTools.script("keepalive_idle.py", served.work()),
                served.net().serverAddress(),
                "80",
                Integer.toString(IDLE_CONNECTIONS),
                "/" + SEGMENT,
                "30");
        final BufferedReader idleOut =
                new BufferedReader(new InputStreamReader(idle.getInputStream(), StandardCharsets.UTF_8));
        final String opened = idleOut.readLine();
        assertEquals("open " + IDLE_CONNECTIONS, opened, "idle keep-alive connections before the drain");
        final CompletableFuture<List<String>> idleReport =
                CompletableFuture.supplyAsync(() -> idleOut.lines().toList(), Thread.ofVirtual()::start);
        // A paused player (the test holds its download at a zero window, so it is surely in flight
        // through the drain) and curl reading at 3 MiB/s (~8 s for the file).
        final CatalogueServer.HeldDownload held = served.startHeld(MOVIE, 1 << 20);
        final CatalogueServer.RunningFetch slow = served.startFetch(MOVIE, "--limit-rate", "3M");
        slow.awaitBytes(1 << 20);
        System.out.printf(
                "ops: drain: idle connections and two downloads open after %.1f s%n", (System.nanoTime() - t0) / 1e9);
        assertTrue(held.isAlive(), "the held download is in flight");

        final long drainStart = System.nanoTime();
        final CatalogueServer.Reply drain = served.post("/admin/drain");
        assertEquals(200, drain.status(), drain::toString);
        assertEquals("503 draining", served.get("/readyz").toString());
        assertEquals("200 ok", served.get("/healthz").toString(), "alive while draining");
        final PrometheusText draining = served.scrape();
        assertEquals(1, draining.count("atlas_draining"));
        assertEquals(0, draining.count("atlas_ready"));
        assertEquals("200 already draining", served.post("/admin/drain").toString(), "a second drain is harmless");

        // A new request while draining: 503 with Connection: close and Retry-After, or no connection at all.
        final CatalogueServer.Fetched fresh = served.fetch(
                SEGMENT, "-D", served.work().resolve("fresh-head.txt").toString());
        final String freshHead = Files.exists(served.work().resolve("fresh-head.txt"))
                ? Files.readString(served.work().resolve("fresh-head.txt"))
                : "";
        assertTrue(
                fresh.status() == 503 || REFUSED.contains(fresh.exitCode()),
                () -> "a new request during the drain: " + fresh);
        if (fresh.status() == 503) {
            assertTrue(freshHead.toLowerCase().contains("connection: close"), freshHead);
            assertTrue(freshHead.toLowerCase().contains("retry-after:"), freshHead);
        }
        assertTrue(held.isAlive(), "the held download was still in flight when the new request came");

        // The idle keep-alive connections are closed by the server.
        assertTrue(idle.waitFor(30, TimeUnit.SECONDS), "idle clients finished");
        final List<String> idleLines = idleReport.get(5, TimeUnit.SECONDS);
        assertEquals(0, idle.exitValue(), () -> "every idle connection ended by the server: " + idleLines);

        // The downloads in flight complete byte for byte; the server waits for the held one
        // (longer than its 2 s grace for idle connections) and only then stops.
        final CatalogueServer.Fetched movie = slow.finish(Duration.ofSeconds(60));
        assertTrue(
                movie.isExactly(content.resolve(MOVIE)),
                () -> movie + "\n" + served.server().logTail());
        assertEquals(
                -1, served.server().awaitExit(Duration.ofSeconds(4)), "the server stopped with a response in flight");
        final String heldDone = held.resume(Duration.ofSeconds(60));
        assertEquals(
                "done 200 " + MOVIE_BYTES,
                heldDone,
                () -> heldDone + "\n" + served.server().logTail());
        assertEquals(-1L, Files.mismatch(held.body(), content.resolve(MOVIE)), "the held download is byte-exact");

        // Then the server stops by itself with exit code 0, long before the drain timeout.
        final int exit = served.server().awaitExit(Duration.ofSeconds(DRAIN_TIMEOUT_S));
        final double seconds = (System.nanoTime() - drainStart) / 1e9;
        System.out.printf(
                "ops: drain: idle connections %s; new request %s; curl %s; held %s; server exit %d %.1f s after the drain%n",
                idleLines, fresh, movie, heldDone, exit, seconds);
        assertEquals(
                0,
                exit,
                () -> "server exit code after the drain\n" + served.server().logTail());
        assertTrue(seconds < DRAIN_TIMEOUT_S - 5, "the server waited for the drain timeout instead of the response");
        assertTrue(
                served.server().logTail().contains("stopped (drained: every response in flight finished)"),
                served.server().logTail());
        final List<String> log = Files.readAllLines(served.server().accessLog());
        assertTrue(
                log.stream().anyMatch(l -> l.contains("\"GET /" + MOVIE + " HTTP/1.1\" 200 ")),
                () -> String.join("\n", log));
        if (fresh.status() == 503) {
            assertTrue(log.stream().anyMatch(l -> l.contains(" 503 ")), "the 503 is in the access log");
        }
    }

    @Test
    void aResponseThatNeverFinishesIsCutAtTheDrainTimeoutAndTheExitIsStillZero() throws Exception {
        try (CatalogueServer second = CatalogueServer.format("drain-timeout", "64M")) {
            final Path files = second.dir("content");
            CatalogueServer.writeFile(files, MOVIE, 8L << 20, 13);
            second.importTree(files);
            second.start("draint", List.of("--drain-timeout-s", "3"));
            final CatalogueServer.HeldDownload held = second.startHeld(MOVIE, 1 << 20);
            final long drainStart = System.nanoTime();
            assertEquals(200, second.post("/admin/drain").status());
            final int exit = second.server().awaitExit(Duration.ofSeconds(20));
            final double seconds = (System.nanoTime() - drainStart) / 1e9;
            final String heldDone = held.resume(Duration.ofSeconds(30));
            System.out.printf(
                    "ops: drain timeout: server exit %d after %.1f s; held download: %s%n", exit, seconds, heldDone);
            assertEquals(0, exit, second.server()::logTail);
            assertTrue(seconds >= 3 && seconds < 10, "stopped " + seconds + " s after the drain with a 3 s timeout");
            assertTrue(
                    second.server().logTail().contains("stopped (drain timeout after 3 s; 1 response(s) cut short)"),
                    second.server()::logTail);
            assertTrue(heldDone.startsWith("FAIL"), "the cut response cannot look complete to the client: " + heldDone);
        }
    }
}
