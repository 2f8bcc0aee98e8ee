package dev.atlas.bench.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.catalogue.Catalogue;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 * Catalogue changes on a running server (acceptance item 6, second half): an import through
 * {@code POST /admin/catalogue/import} is served at once, without a restart; a file removed
 * with {@code POST /admin/catalogue/rm} while it streams finishes byte-exact (its blocks stay
 * out of the writer's reach until the response is done) while new requests get 404; an import
 * that does not fit gets 507 and changes nothing; the catalogue CLI is refused on the served
 * image with a pointer to the admin API; a reader holding the catalogue makes an import 409.
 *
 * <p>The 64 MiB image is sized so that, after the 40 MiB file X is removed while it streams,
 * a 30 MiB import fits only in X's blocks: it must be refused while X streams and succeed after.
 */
@Tag("root")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LiveCatalogueTest {
    private static final long MIB = 1L << 20;
    private static final String X = "live/x.bin";
    private static final long X_BYTES = 40 * MIB;
    private static final String PLAYLIST = "live/index.m3u8";
    private static final long PLAYLIST_BYTES = 700;
    private static final String NEW_SEGMENT = "a.ts";
    private static final long NEW_SEGMENT_BYTES = 1_000_003;
    private static final String NEW_PLAYLIST = "b.m3u8";
    private static final long NEW_PLAYLIST_BYTES = 900;
    private static final String Y = "y.bin";
    private static final long Y_BYTES = 30 * MIB;

    private CatalogueServer served;
    private Path content;
    private Path batch;
    private Path yDir;

    @BeforeAll
    void up() throws Exception {
        Prerequisites.require("ip", "nft", "ethtool", "curl");
        served = CatalogueServer.format("live", "64M");
        content = served.dir("content");
        CatalogueServer.writeFile(content, X, X_BYTES, 21);
        CatalogueServer.writeFile(content, PLAYLIST, PLAYLIST_BYTES, 22);
        served.importTree(content);
        batch = served.dir("batch");
        CatalogueServer.writeFile(batch, NEW_SEGMENT, NEW_SEGMENT_BYTES, 23);
        CatalogueServer.writeFile(batch, NEW_PLAYLIST, NEW_PLAYLIST_BYTES, 24);
        yDir = served.dir("later");
        CatalogueServer.writeFile(yDir, Y, Y_BYTES, 25);
        served.start("live", List.of());
    }

    @AfterAll
    void down() throws Exception {
        if (served != null) {
            served.close();
        }
    }

    @Test
    @Order(1)
    void importAndRemoveWhileAFileStreams() throws Exception {
        final PrometheusText start = served.scrape();
        final long generation0 = start.count("atlas_catalogue_generation");
        assertEquals(2, start.count("atlas_catalogue_entries"));
        assertEquals(X_BYTES + PLAYLIST_BYTES, start.count("atlas_catalogue_bytes"));

        // Two downloads of X: one the test holds at a zero window (so it is surely in flight through
        // every step below), and curl reading at 5 MiB/s.
        final CatalogueServer.HeldDownload held = served.startHeld(X, MIB);
        final CatalogueServer.RunningFetch x = served.startFetch(X, "--limit-rate", "5M");
        x.awaitBytes(MIB);

        // Import a new directory under a prefix: served at once, byte-exact, a new generation.
        long t = System.nanoTime();
        final CatalogueServer.Reply imported = served.adminImport(batch, "new");
        final double importSeconds = (System.nanoTime() - t) / 1e9;
        assertEquals(200, imported.status(), imported::toString);
        assertTrue(imported.body().startsWith("imported 2 file(s); serving generation "), imported::toString);
        final CatalogueServer.Fetched segment = served.fetch("new/" + NEW_SEGMENT);
        assertTrue(segment.isExactly(batch.resolve(NEW_SEGMENT)), segment::toString);
        final CatalogueServer.Fetched playlist = served.fetch("new/" + NEW_PLAYLIST);
        assertTrue(playlist.isExactly(batch.resolve(NEW_PLAYLIST)), playlist::toString);
        final PrometheusText afterImport = served.scrape();
        assertEquals(generation0 + 1, afterImport.count("atlas_catalogue_generation"));
        assertEquals(4, afterImport.count("atlas_catalogue_entries"));
        assertEquals(
                X_BYTES + PLAYLIST_BYTES + NEW_SEGMENT_BYTES + NEW_PLAYLIST_BYTES,
                afterImport.count("atlas_catalogue_bytes"));

        // Remove X while it streams: new requests get 404.
        t = System.nanoTime();
        final CatalogueServer.Reply removed = served.adminRemove(X);
        final double removeSeconds = (System.nanoTime() - t) / 1e9;
        assertEquals(200, removed.status(), removed::toString);
        assertEquals(404, served.fetch(X).status());
        final PrometheusText afterRemove = served.scrape();
        assertEquals(generation0 + 2, afterRemove.count("atlas_catalogue_generation"));
        assertEquals(3, afterRemove.count("atlas_catalogue_entries"));

        // X's blocks are still read by its response: an import that needs them is refused, and says why.
        final CatalogueServer.Reply tooEarly = served.adminImport(yDir, null);
        assertEquals(507, tooEarly.status(), tooEarly::toString);
        assertTrue(
                tooEarly.body().contains("not enough space")
                        && tooEarly.body().contains("nothing was imported")
                        && tooEarly.body().contains("older generations"),
                tooEarly::toString);
        assertEquals(
                generation0 + 2,
                served.scrape().count("atlas_catalogue_generation"),
                "a refused import changes nothing");
        assertEquals(404, served.fetch(Y).status());
        assertTrue(held.isAlive(), "X was still in flight through the import, removal and refused import");

        // Both downloads of X complete byte-exact from the blocks its generation had.
        final String heldDone = held.resume(Duration.ofSeconds(90));
        assertEquals(
                "done 200 " + X_BYTES,
                heldDone,
                () -> heldDone + "\n" + served.server().logTail());
        assertEquals(-1L, Files.mismatch(held.body(), content.resolve(X)), "held download of X is byte-exact");
        final CatalogueServer.Fetched xDone = x.finish(Duration.ofSeconds(90));
        assertTrue(
                xDone.isExactly(content.resolve(X)),
                () -> xDone + "\n" + served.server().logTail());
        awaitIdle();

        // Now X's space is free: the same import fits (in X's old blocks) and is served at once.
        final CatalogueServer.Reply later = served.adminImport(yDir, null);
        assertEquals(200, later.status(), later::toString);
        final CatalogueServer.Fetched y = served.fetch(Y);
        assertTrue(y.isExactly(yDir.resolve(Y)), y::toString);
        final PrometheusText end = served.scrape();
        assertEquals(generation0 + 3, end.count("atlas_catalogue_generation"));
        assertEquals(4, end.count("atlas_catalogue_entries"));
        assertEquals(0, end.count("atlas_disk_errors_total"));
        System.out.printf(
                "ops: live catalogue: admin import of 2 files took %.2f s, rm %.2f s%n", importSeconds, removeSeconds);
        System.out.printf(
                "ops: live catalogue: import %s; rm %s; refused while X streamed: %s; held X %s; curl X %s; after: %s%n",
                imported, removed, tooEarly, heldDone, xDone, later);
    }

    @Test
    @Order(2)
    void anImportThatDoesNotFitIsRefusedWith507AndChangesNothing() throws Exception {
        final PrometheusText before = served.scrape();
        final Path huge = served.dir("huge");
        try (RandomAccessFile file =
                new RandomAccessFile(huge.resolve("huge.mp4").toFile(), "rw")) {
            file.setLength(300 * MIB); // sparse: the server refuses it before reading a byte
        }
        final CatalogueServer.Reply reply = served.adminImport(huge, "big");
        assertEquals(507, reply.status(), reply::toString);
        assertTrue(
                reply.body()
                        .startsWith("not enough space: this import needs 300 MiB for 1 file(s) (the largest,"
                                + " 'big/huge.mp4'"),
                reply::toString);
        assertTrue(reply.body().contains("nothing was imported"), reply::toString);
        final PrometheusText after = served.scrape();
        assertEquals(before.count("atlas_catalogue_generation"), after.count("atlas_catalogue_generation"));
        assertEquals(before.count("atlas_catalogue_entries"), after.count("atlas_catalogue_entries"));
        assertEquals(before.count("atlas_catalogue_bytes"), after.count("atlas_catalogue_bytes"));
        assertEquals(404, served.fetch("big/huge.mp4").status());
        final CatalogueServer.Fetched y = served.fetch(Y);
        assertTrue(y.isExactly(yDir.resolve(Y)), "files already served are untouched: " + y);
    }

    @Test
    @Order(3)
    void theCatalogueCliIsRefusedOnTheServedImage() throws Exception {
        final long generation = served.scrape().count("atlas_catalogue_generation");
        final CatalogueServer.CliRun imported =
                CatalogueServer.catalogueCli("import", "-d", served.image().toString(), batch.toString());
        assertEquals(1, imported.exitCode(), imported::err);
        assertTrue(imported.err().startsWith("atlas-catalogue: " + served.image() + " is in use"), imported::err);
        assertTrue(imported.err().contains("admin API"), imported::err);
        assertEquals(1, imported.err().strip().lines().count(), () -> "one line, no stack trace: " + imported.err());
        final CatalogueServer.CliRun removed =
                CatalogueServer.catalogueCli("rm", "-d", served.image().toString(), Y);
        assertEquals(1, removed.exitCode(), removed::err);
        assertTrue(removed.err().contains("admin API"), removed::err);
        assertEquals(generation, served.scrape().count("atlas_catalogue_generation"));
        assertTrue(served.fetch(Y).isExactly(yDir.resolve(Y)));
        System.out.println("ops: atlas-catalogue import on the served image: "
                + imported.err().strip());
    }

    @Test
    @Order(4)
    void aReaderHoldingTheCatalogueMakesAnImportWait() throws Exception {
        final long generation = served.scrape().count("atlas_catalogue_generation");
        final CatalogueServer.Reply busy;
        try (Catalogue reader = Catalogue.open(List.of(served.image()))) {
            assertEquals(generation, reader.generation(), "the reader sees the served generation");
            busy = served.adminRemove(Y);
        }
        assertEquals(409, busy.status(), busy::toString);
        assertTrue(busy.body().contains("is also open") && busy.body().contains("try again"), busy::toString);
        assertEquals(generation, served.scrape().count("atlas_catalogue_generation"));
        // With the reader gone the same request goes through.
        final CatalogueServer.Reply removed = served.adminRemove(Y);
        assertEquals(200, removed.status(), removed::toString);
        assertEquals(404, served.fetch(Y).status());
        System.out.println("ops: removal while a reader held the catalogue: " + busy);
    }

    @Test
    @Order(5)
    void badAdminRequestsGetA400WithTheReason() throws Exception {
        final long generation = served.scrape().count("atlas_catalogue_generation");
        assertBadRequest(served.post("/admin/catalogue/import"), "source=");
        assertBadRequest(served.post("/admin/catalogue/import?source=relative/dir"), "absolute path");
        assertBadRequest(served.adminImport(served.work().resolve("no-such-dir"), null), "is not a file or directory");
        assertBadRequest(served.adminImport(batch, "new"), "already in the catalogue");
        assertBadRequest(served.post("/admin/catalogue/rm"), "name=");
        assertBadRequest(served.adminRemove("no/such/file.ts"), "no file named 'no/such/file.ts'");
        assertEquals(405, served.get("/admin/catalogue/import?source=/x").status(), "admin actions are POST only");
        assertEquals(
                generation,
                served.scrape().count("atlas_catalogue_generation"),
                "no bad request changed the catalogue");
    }

    @Test
    @Order(6)
    void reloadAnswers200() throws Exception {
        final PrometheusText now = served.scrape();
        final CatalogueServer.Reply reload = served.post("/admin/reload");
        assertEquals(200, reload.status(), reload::toString);
        assertEquals(
                "catalogue: generation " + now.count("atlas_catalogue_generation") + ", "
                        + now.count("atlas_catalogue_entries") + " files (unchanged)",
                reload.body().strip());
    }

    private static void assertBadRequest(CatalogueServer.Reply reply, String mention) {
        assertEquals(400, reply.status(), reply::toString);
        assertTrue(reply.body().contains(mention), () -> "'" + mention + "' in " + reply);
        assertEquals(1, reply.body().strip().lines().count(), reply::toString);
    }

    private void awaitIdle() throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (served.scrape().count("atlas_connections") != 0
                || served.scrape().count("atlas_buffers_in_use") != 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "the server did not become idle\n" + served.server().logTail());
            }
            Thread.sleep(100);
        }
    }

    @Test
    @Order(7)
    void sigtermStopsTheServerWithExitZero() throws Exception {
        assertEquals(0, served.server().stop(), served.server()::logTail);
        assertTrue(served.server().logTail().contains("atlas serve: stopped (signal)"), served.server()::logTail);
    }
}
