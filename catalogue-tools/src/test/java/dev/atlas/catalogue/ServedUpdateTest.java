package dev.atlas.catalogue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.atlas.catalogue.EmulatedDevices.WriteEvent;
import dev.atlas.catalogue.device.BlockDeviceOpener;
import dev.atlas.catalogue.error.CatalogueBusyException;
import dev.atlas.catalogue.error.CatalogueException;
import dev.atlas.diskmap.emulated.EmulatedFaults;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A server changing the catalogue it serves ({@link Catalogue#beginUpdate}): the lock is
 * converted in place, blocks of generations still served are never reused, the served catalogue
 * picks up the new generation, and a crash mid-update leaves the old or the new catalogue.
 */
class ServedUpdateTest {

    private static final long IMAGE_BYTES = 2L << 20;
    private static final int CRASH_TRIALS = 16;

    private final BlockDeviceOpener opener = EmulatedDevices.healthy();
    /** Source file of every name ever imported here, to check what reads back. */
    private final Map<String, Path> sources = new HashMap<>();

    private Path dir;

    @BeforeEach
    void createDir() throws IOException {
        dir = TestImages.scratch("served");
    }

    @AfterEach
    void deleteDir() throws IOException {
        TestImages.deleteTree(dir);
    }

    /** A formatted set of {@code count} devices holding {@code names}, each a file of {@code bytes} bytes. */
    private List<Path> catalogue(int count, long bytes, String... names) throws IOException {
        final Path[] images = new Path[count];
        for (int i = 0; i < count; i++) {
            images[i] = TestImages.image(dir, "d" + i + ".img", IMAGE_BYTES);
        }
        CatalogueFormatter.format(List.of(images), false, opener);
        try (CatalogueWriter w = CatalogueWriter.open(List.of(images), opener)) {
            w.importFiles(items(bytes, names), Progress.NONE);
            w.commit();
        }
        return List.of(images);
    }

    private List<ImportItem> items(long bytes, String... names) throws IOException {
        final ImportItem[] items = new ImportItem[names.length];
        for (int i = 0; i < names.length; i++) {
            final Path source = TestImages.randomFile(
                    dir.resolve("src").resolve(names[i]), bytes, names[i].hashCode() * 31L + sources.size());
            sources.put(names[i], source);
            items[i] = new ImportItem(names[i], source);
        }
        return List.of(items);
    }

    @Test
    void anUpdateIsRefusedWhileAnotherReaderHasTheCatalogueOpen() throws IOException {
        final List<Path> devices = catalogue(2, 5000, "a.ts", "b.ts");
        try (Catalogue served = Catalogue.open(devices, opener)) {
            try (Catalogue reader = Catalogue.open(devices, opener)) {
                final CatalogueBusyException refused =
                        assertThrows(CatalogueBusyException.class, () -> served.beginUpdate(List.of()));
                final String message = refused.getMessage();
                assertTrue(message.startsWith(devices.get(0) + " is also open (pid "), message);
                assertFalse(served.updating());
                try (Catalogue another = Catalogue.open(devices, opener)) {
                    assertEquals(served.generation(), another.generation(), "the lock is shared again");
                }
                assertEquals(2, reader.size());
            }
            assertThrows(
                    CatalogueBusyException.class,
                    () -> CatalogueWriter.open(devices, opener),
                    "the served catalogue still holds its lock after the refusal");

            try (CatalogueWriter update = served.beginUpdate(List.of())) {
                assertTrue(served.updating());
                final CatalogueBusyException busy =
                        assertThrows(CatalogueBusyException.class, () -> Catalogue.open(devices, opener));
                assertTrue(busy.getMessage().startsWith(devices.get(0) + " is being written"), busy.getMessage());
                final CatalogueBusyException twice =
                        assertThrows(CatalogueBusyException.class, () -> served.beginUpdate(List.of()));
                assertTrue(twice.getMessage().contains("already in progress"), twice.getMessage());
                assertEquals(2, update.stagedSize());
            }
            assertFalse(served.updating());
            try (Catalogue reader = Catalogue.open(devices, opener)) {
                assertEquals(2, reader.size(), "the downgrade lets readers in again");
            }
            assertThrows(CatalogueBusyException.class, () -> CatalogueWriter.open(devices, opener));
        }
        try (CatalogueWriter cli = CatalogueWriter.open(devices, opener)) {
            assertEquals(2, cli.stagedSize(), "closing the served catalogue releases the lock");
        }
    }

    @Test
    void theCliWriterIsStillRefusedWhileACatalogueIsOpen() throws IOException {
        final List<Path> devices = catalogue(2, 5000, "a.ts");
        try (Catalogue served = Catalogue.open(devices, opener)) {
            final CatalogueBusyException refused =
                    assertThrows(CatalogueBusyException.class, () -> CatalogueWriter.open(devices, opener));
            final String message = refused.getMessage();
            assertTrue(message.startsWith(devices.get(0) + " is in use"), message);
            assertTrue(
                    message.endsWith(": a running Atlas server (or another atlas-catalogue) holds its catalogue;"
                            + " stop it, or change a served catalogue through the server's admin API"),
                    message);
            assertEquals(1, served.size());
        }
    }

    @Test
    void blocksOfAServedGenerationAreNotReusedUntilItIsNoLongerServed() throws IOException {
        // One device, files imported in a row: the removed file leaves an exact-fit hole that
        // best fit would pick at once if nothing held it back.
        final List<Path> devices = catalogue(1, 30_000, "before.ts", "x.ts", "after.ts");
        try (Catalogue served = Catalogue.open(devices, opener)) {
            final CatalogueSnapshot g = served.snapshot();
            final CatalogueEntry x = g.lookup("x.ts");
            try (CatalogueWriter update = served.beginUpdate(List.of())) {
                update.remove("x.ts");
                update.commit();
            }
            assertTrue(served.refreshIfChanged());
            assertNull(served.lookup("x.ts"));

            // A response may still be streaming x.ts, looked up in g.
            final CatalogueEntry y;
            try (CatalogueWriter update = served.beginUpdate(List.of(g))) {
                update.importFiles(items(x.length(), "y.ts"), Progress.NONE);
                update.commit();
                y = update.committed().lookup("y.ts");
            }
            assertFalse(overlap(x, y), "y.ts " + y + " was written over x.ts " + x + " while it was still served");
            assertArrayEquals(Files.readAllBytes(sources.get("x.ts")), bytesOf(served, x));
            assertTrue(served.verify(x, Progress.NONE));

            // Only the newest generation is served now: x.ts's blocks are free to take.
            assertTrue(served.refreshIfChanged());
            final CatalogueEntry z;
            try (CatalogueWriter update = served.beginUpdate(List.of())) {
                update.importFiles(items(x.length(), "z.ts"), Progress.NONE);
                update.commit();
                z = update.committed().lookup("z.ts");
            }
            assertEquals(x.firstLba(), z.firstLba(), "z.ts " + z + " did not reuse x.ts's exact-fit hole");
            assertTrue(served.refreshIfChanged());
            assertEveryFileReadsBack(served);
        }
    }

    @Test
    void aGenerationTheUpdateLeftBehindIsNotReusedWhileTheUpdateIsOpen() throws IOException {
        final List<Path> devices = catalogue(1, 30_000, "before.ts", "after.ts");
        try (Catalogue served = Catalogue.open(devices, opener);
                CatalogueWriter update = served.beginUpdate(List.of())) {
            update.importFiles(items(30_000, "x.ts"), Progress.NONE);
            update.commit();
            // The server may load a generation as soon as it is committed, before the update ends.
            assertTrue(served.refreshIfChanged());
            final CatalogueEntry x = served.lookup("x.ts");
            update.remove("x.ts");
            update.commit();
            update.importFiles(items(x.length(), "y.ts"), Progress.NONE);
            update.commit();
            final CatalogueEntry y = update.committed().lookup("y.ts");
            assertFalse(overlap(x, y), "y.ts " + y + " was written over x.ts " + x);
            assertTrue(served.verify(x, Progress.NONE));
        }
    }

    @Test
    void theServedCatalogueSeesTheNewGenerationAndEveryFileReadsBack() throws IOException {
        final List<Path> devices = catalogue(2, 70_000, "hls/720p/seg-1.ts", "hls/720p/seg-2.ts", "hls/master.m3u8");
        try (Catalogue served = Catalogue.open(devices, opener)) {
            final long before = served.generation();
            final long committed;
            try (CatalogueWriter update = served.beginUpdate(List.of())) {
                update.remove("hls/720p/seg-2.ts");
                update.importFiles(items(123_457, "hls/1080p/seg-1.ts", "hls/1080p/seg-2.ts"), Progress.NONE);
                committed = update.commit();
                assertEquals(before + 1, committed);
                assertEquals(before, served.generation(), "the server picks up the change when it refreshes");
            }
            assertTrue(served.refreshIfChanged());
            assertFalse(served.refreshIfChanged());
            assertEquals(committed, served.generation());
            assertNull(served.lookup("hls/720p/seg-2.ts"));
            final CatalogueEntry imported = served.lookup("hls/1080p/seg-2.ts");
            assertNotNull(imported);
            assertEquals(123_457, imported.length());
            assertEquals(4, served.size());
            assertEveryFileReadsBack(served);
            try (Catalogue reader = Catalogue.open(devices, opener)) {
                assertEquals(served.entries(), reader.entries());
            }
            assertTrue(Fsck.check(devices, true, Progress.NONE, opener).clean());
        }
    }

    @Test
    void aCrashMidUpdateLeavesTheOldOrTheNewCatalogue() throws IOException {
        final String[] names = new String[24];
        for (int i = 0; i < names.length; i++) {
            names[i] = "video/seg-" + i + ".ts";
        }
        final List<Path> base = catalogue(2, 9000, names);
        final List<ImportItem> added = items(150_001, "video/new-a.ts", "video/new-b.ts");

        final List<WriteEvent> writes = EmulatedDevices.newLog();
        final List<Path> dry = copy(base, "dry");
        final long oldGeneration;
        final List<CatalogueEntry> oldEntries;
        final List<CatalogueEntry> newEntries;
        try (Catalogue served = Catalogue.open(dry, EmulatedDevices.recording(writes))) {
            oldGeneration = served.generation();
            oldEntries = served.entries();
            try (CatalogueWriter update = served.beginUpdate(List.of())) {
                update(update, added);
            }
            assertTrue(served.refreshIfChanged());
            newEntries = served.entries();
        }
        assertTrue(writes.size() >= 3, "the update wrote " + writes);

        int oldSeen = 0;
        for (int trial = 0; trial < CRASH_TRIALS; trial++) {
            final long seed = 0x5E12EDL * 31 + trial;
            final Random random = new Random(seed);
            final WriteEvent cut = writes.get(random.nextInt(writes.size()));
            final boolean tear = random.nextBoolean();
            final List<Path> images = copy(base, "trial-" + trial);
            final Path victim = images.get(dry.indexOf(cut.image()));
            final String context = "trial " + trial + " seed " + seed + ": power cut at write " + cut.localNumber()
                    + " of " + victim.getFileName() + (tear ? " (torn)" : "");
            // The catalogue's own devices get the same plan but only read, so only the writer's fire.
            final BlockDeviceOpener faulty = EmulatedDevices.opener(p -> p.equals(victim)
                    ? EmulatedFaults.seeded(seed)
                            .powerCutAfterWrite(cut.localNumber(), tear)
                            .loseUnflushedWritesOnPowerCut(0.5)
                    : EmulatedFaults.none());
            try (Catalogue served = Catalogue.open(images, faulty)) {
                final CatalogueSnapshot g = served.snapshot();
                try (CatalogueWriter update = served.beginUpdate(List.of())) {
                    update(update, added);
                    fail(context + ": the power cut did not fire");
                } catch (CatalogueException expected) {
                    // the update dies; what the server serves must not
                }
                assertFalse(served.updating(), context);
                served.refreshIfChanged();
                assertOldOrNew(served, oldGeneration, oldEntries, newEntries, context);
                for (CatalogueEntry e : g.entries()) {
                    assertTrue(served.verify(e, Progress.NONE), context + ": served file " + e.name() + " was damaged");
                }
            }
            try (Catalogue reopened = Catalogue.open(images, opener)) {
                assertOldOrNew(reopened, oldGeneration, oldEntries, newEntries, context);
                oldSeen += reopened.generation() == oldGeneration ? 1 : 0;
                for (CatalogueEntry e : reopened.entries()) {
                    assertTrue(reopened.verify(e, Progress.NONE), context + ": " + e.name() + " does not verify");
                }
            }
            final Fsck.Report report = Fsck.check(images, true, Progress.NONE, opener);
            assertTrue(report.clean(), context + ": fsck " + report.problems());
            for (Path image : images) {
                Files.delete(image);
            }
        }
        System.out.println("served update crash trials: " + CRASH_TRIALS + ", old catalogue " + oldSeen
                + ", new catalogue " + (CRASH_TRIALS - oldSeen) + ", of " + writes.size() + " writes");
    }

    /** The change the crash trials cut short: two removals and two imports in one commit. */
    private static void update(CatalogueWriter update, List<ImportItem> added) {
        update.remove("video/seg-3.ts");
        update.remove("video/seg-17.ts");
        update.importFiles(added, Progress.NONE);
        update.commit();
    }

    private static void assertOldOrNew(
            Catalogue c,
            long oldGeneration,
            List<CatalogueEntry> oldEntries,
            List<CatalogueEntry> newEntries,
            String context) {
        if (c.generation() == oldGeneration) {
            assertEquals(oldEntries, c.entries(), context);
        } else if (c.generation() == oldGeneration + 1) {
            assertEquals(newEntries, c.entries(), context);
        } else {
            fail(context + ": generation " + c.generation());
        }
    }

    private List<Path> copy(List<Path> images, String name) throws IOException {
        final Path[] copies = new Path[images.size()];
        for (int i = 0; i < copies.length; i++) {
            copies[i] = dir.resolve(name + "-" + i + ".img");
            Files.copy(images.get(i), copies[i]);
        }
        return List.of(copies);
    }

    private void assertEveryFileReadsBack(Catalogue c) throws IOException {
        for (CatalogueEntry e : c.entries()) {
            assertArrayEquals(Files.readAllBytes(sources.get(e.name())), bytesOf(c, e), e.name());
        }
    }

    private static byte[] bytesOf(Catalogue c, CatalogueEntry e) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        c.read(
                e,
                chunk -> {
                    final byte[] bytes = new byte[chunk.remaining()];
                    chunk.get(bytes);
                    out.writeBytes(bytes);
                },
                Progress.NONE);
        return out.toByteArray();
    }

    private static boolean overlap(CatalogueEntry a, CatalogueEntry b) {
        final int blockSize = CatalogueLayout.BLOCK_SIZE;
        return a.device() == b.device()
                && a.firstLba() < b.firstLba() + b.blocks(blockSize)
                && b.firstLba() < a.firstLba() + a.blocks(blockSize);
    }
}
