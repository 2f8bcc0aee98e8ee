package dev.atlas.catalogue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.atlas.catalogue.EmulatedDevices.WriteEvent;
import dev.atlas.catalogue.device.BlockDeviceOpener;
import dev.atlas.catalogue.error.CatalogueException;
import dev.atlas.diskmap.emulated.EmulatedFaults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Crash safety over the emulated NVMe controller: seeded trials cut an import, an rm and a
 * mixed commit at a random NVMe write (torn or dropped, with unflushed writes lost from the
 * volatile cache), or fail a random command with an error status. After each, reopening must
 * give exactly the old or exactly the new catalogue, fsck must be clean and every surviving
 * file must still hash to its index entry; and what the other superblock slot names (a second
 * copy of that catalogue, or the previous one when the cut fell between the two superblock
 * writes) must be whole too: its index loads and every one of its files verifies.
 */
class CrashSafetyTest {

    private static final long IMAGE_BYTES = 2L << 20;
    private static final int BASE_FILES = 120;
    private static final int TRIALS_PER_OPERATION = 70;
    private static final int ERROR_TRIALS = 30;
    private static final int DURABILITY_TRIALS = 20;

    private static Path dir;
    private static Path[] base;
    private static List<Path> newFiles;
    private static List<CatalogueEntry> oldEntries;

    /** One way of changing the catalogue, replayed identically in every trial. */
    private enum Operation {
        IMPORT,
        RM,
        MIXED_COMMIT;

        void apply(CatalogueWriter w) {
            switch (this) {
                case IMPORT ->
                    w.importFiles(
                            List.of(
                                    new ImportItem("new/a.ts", newFiles.get(0)),
                                    new ImportItem("new/b.m4s", newFiles.get(1)),
                                    new ImportItem("new/c.mp4", newFiles.get(2))),
                            Progress.NONE);
                case RM -> {
                    w.remove(baseName(3));
                    w.remove(baseName(50));
                    w.remove(baseName(119));
                }
                case MIXED_COMMIT -> {
                    w.remove(baseName(7));
                    w.importFiles(List.of(new ImportItem(baseName(7) + ".v2", newFiles.get(1))), Progress.NONE);
                }
            }
            w.commit();
        }
    }

    private static String baseName(int i) {
        return "video/rendition-" + (i % 4) + "/a-rather-long-segment-name-to-make-the-index-span-blocks-" + i + ".ts";
    }

    @BeforeAll
    static void createBase() throws IOException {
        dir = TestImages.scratch("crash");
        base = new Path[] {
            TestImages.image(dir, "base0.img", IMAGE_BYTES), TestImages.image(dir, "base1.img", IMAGE_BYTES)
        };
        CatalogueFormatter.format(List.of(base), false, EmulatedDevices.healthy());
        final List<ImportItem> items = new ArrayList<>();
        for (int i = 0; i < BASE_FILES; i++) {
            items.add(
                    new ImportItem(baseName(i), TestImages.randomFile(dir.resolve("src/base-" + i), 100 + 37L * i, i)));
        }
        try (CatalogueWriter w = CatalogueWriter.open(List.of(base), EmulatedDevices.healthy())) {
            w.importFiles(items, Progress.NONE);
            w.commit();
            oldEntries = w.committed().entries();
        }
        newFiles = List.of(
                TestImages.randomFile(dir.resolve("src/new-a"), 5000, 1001),
                TestImages.randomFile(dir.resolve("src/new-b"), 70_000, 1002),
                TestImages.randomFile(dir.resolve("src/new-c"), 300_001, 1003));
    }

    /**
     * The fallback a crash leaves: the other slot of device 0 names the newest generation again or
     * the one before it, with the old or new entries, and every one of its files verifies.
     *
     * @return the fallback's generation
     */
    static long assertFallbackWhole(Path[] images, List<List<CatalogueEntry>> allowed, String context) {
        try (DeviceSet set = DeviceSet.open(List.of(images), EmulatedDevices.healthy())) {
            final CatalogueHealth health = CatalogueHealth.assess(set);
            assertTrue(health.healthy(), context + ": " + health.problems());
            final CatalogueSnapshot fallback = health.fallback();
            assertTrue(fallback != null, context + ": no whole generation in the other slot");
            final long newest = health.newest().generation();
            assertTrue(
                    fallback.generation() == newest || fallback.generation() == newest - 1,
                    context + ": the other slot holds generation " + fallback.generation() + " beside " + newest);
            assertTrue(
                    allowed.contains(fallback.entries()), context + ": the fallback's entries are neither old nor new");
            for (CatalogueEntry e : fallback.entries()) {
                assertTrue(
                        ExtentReader.verify(set, e, Progress.NONE),
                        context + ": " + e.name() + " of fallback generation " + fallback.generation()
                                + " does not verify");
            }
            return fallback.generation();
        }
    }

    @AfterAll
    static void cleanUp() throws IOException {
        TestImages.deleteTree(dir);
    }

    /** True when the newest generation on the images is the new one (base + 1). */
    private static boolean fallbackOfNew(Path[] images) {
        try (Catalogue c = Catalogue.open(List.of(images), EmulatedDevices.healthy())) {
            return c.generation() == 3;
        }
    }

    private static Path[] copyBase(String name) throws IOException {
        final Path[] copy = new Path[base.length];
        for (int i = 0; i < base.length; i++) {
            copy[i] = dir.resolve(name + "-" + i + ".img");
            Files.copy(base[i], copy[i], StandardCopyOption.REPLACE_EXISTING);
        }
        return copy;
    }

    /** Runs the operation without faults: the catalogue it produces and the NVMe writes it takes. */
    private record DryRun(
            Path[] images, List<CatalogueEntry> entries, long generation, List<WriteEvent> writes, long[] commands) {

        /** Which device of the set (0, 1) an image of the dry run was. */
        int deviceOf(Path image) {
            return List.of(images).indexOf(image);
        }
    }

    private static DryRun dryRun(Operation op) throws IOException {
        final Path[] images = copyBase("dry-" + op);
        final List<WriteEvent> log = EmulatedDevices.newLog();
        final long[] commands = new long[images.length];
        try (CatalogueWriter w = CatalogueWriter.open(List.of(images), EmulatedDevices.recording(log))) {
            op.apply(w);
            for (int d = 0; d < images.length; d++) {
                commands[d] = EmulatedDevices.fetchedCommands(w.deviceSet().device(d));
            }
            return new DryRun(images, w.committed().entries(), w.committed().generation(), log, commands);
        }
    }

    /**
     * A commit that returned is durable: on the same controller, cutting power at device 0's
     * next write (the next change, with every unflushed write lost) still shows the committed
     * generation.
     */
    @Test
    void aReturnedCommitSurvivesTheNextCut() throws IOException {
        final DryRun dry = dryRun(Operation.MIXED_COMMIT);
        final long device0Writes =
                dry.writes().stream().filter(w -> dry.deviceOf(w.image()) == 0).count();
        for (int i = 0; i < DURABILITY_TRIALS; i++) {
            final long seed = 0xD0DEL + i;
            final Path[] images = copyBase("durable");
            final BlockDeviceOpener cutNextWrite = EmulatedDevices.opener(p -> p.equals(images[0])
                    ? EmulatedFaults.seeded(seed)
                            .powerCutAfterWrite(device0Writes + 1, (seed & 1) != 0)
                            .loseUnflushedWritesOnPowerCut(1.0)
                    : EmulatedFaults.none());
            try (CatalogueWriter w = CatalogueWriter.open(List.of(images), cutNextWrite)) {
                Operation.MIXED_COMMIT.apply(w);
                Operation.IMPORT.apply(w);
                fail("the power cut did not fire");
            } catch (CatalogueException expected) {
                // the second change dies; the first must stand
            }
            try (Catalogue after = Catalogue.open(List.of(images), EmulatedDevices.healthy())) {
                assertEquals(dry.generation(), after.generation(), "seed " + seed);
                assertEquals(dry.entries(), after.entries(), "seed " + seed);
            }
            assertTrue(Fsck.check(List.of(images), true, Progress.NONE, EmulatedDevices.healthy())
                    .clean());
            assertFallbackWhole(images, List.of(oldEntries, dry.entries()), "seed " + seed);
            for (Path image : images) {
                Files.delete(image);
            }
        }
    }

    @Test
    void everyCutLeavesTheOldOrTheNewCatalogue() throws IOException {
        int oldSeen = 0;
        int newSeen = 0;
        int betweenSlots = 0;
        int trial = 0;
        final long baseGeneration = 2;
        for (Operation op : Operation.values()) {
            final DryRun dry = dryRun(op);
            assertEquals(baseGeneration + 1, dry.generation());
            assertTrue(dry.writes().size() >= 2, op + " wrote " + dry.writes());
            for (int i = 0; i < TRIALS_PER_OPERATION + (op == Operation.IMPORT ? ERROR_TRIALS : 0); i++, trial++) {
                final long seed = 0xC0FFEEL * 31 + trial;
                final Random random = new Random(seed);
                final Path[] images = copyBase("trial");
                final BlockDeviceOpener faulty;
                final String plan;
                if (i < TRIALS_PER_OPERATION) {
                    final WriteEvent cut =
                            dry.writes().get(random.nextInt(dry.writes().size()));
                    final boolean tear = random.nextBoolean();
                    final Path victim = images[dry.deviceOf(cut.image())];
                    plan = "power cut at write " + cut.localNumber() + " of device " + dry.deviceOf(cut.image())
                            + (tear ? " (torn)" : "");
                    faulty = EmulatedDevices.opener(p -> p.equals(victim)
                            ? EmulatedFaults.seeded(seed)
                                    .powerCutAfterWrite(cut.localNumber(), tear)
                                    .loseUnflushedWritesOnPowerCut(0.5)
                            : EmulatedFaults.none());
                } else {
                    final int device = random.nextInt(images.length);
                    final long command = 1 + random.nextInt((int) dry.commands()[device]);
                    plan = "command " + command + " of device " + device + " fails";
                    faulty = EmulatedDevices.opener(p -> p.equals(images[device])
                            ? EmulatedFaults.seeded(seed)
                                    .failCommand(command, dev.atlas.diskmap.nvme.NvmeStatus.WRITE_FAULT)
                            : EmulatedFaults.none());
                }
                final String context = op + " trial " + i + " seed " + seed + ": " + plan;
                boolean failed = false;
                try (CatalogueWriter w = CatalogueWriter.open(List.of(images), faulty)) {
                    op.apply(w);
                } catch (CatalogueException expected) {
                    failed = true;
                }
                if (i < TRIALS_PER_OPERATION) {
                    assertTrue(failed, context + ": the injected power cut did not surface as an error");
                }
                try (Catalogue after = Catalogue.open(List.of(images), EmulatedDevices.healthy())) {
                    if (after.generation() == baseGeneration) {
                        assertEquals(oldEntries, after.entries(), context);
                        oldSeen++;
                    } else if (after.generation() == baseGeneration + 1) {
                        assertEquals(dry.entries(), after.entries(), context);
                        newSeen++;
                    } else {
                        fail(context + ": reopened at generation " + after.generation());
                    }
                    if (!failed) {
                        assertEquals(
                                baseGeneration + 1, after.generation(), context + ": no fault fired, so it committed");
                    }
                } catch (CatalogueException e) {
                    fail(context + ": catalogue does not reopen: " + e.getMessage());
                }
                final Fsck.Report report = Fsck.check(List.of(images), true, Progress.NONE, EmulatedDevices.healthy());
                assertTrue(report.clean(), context + ": fsck " + report.problems());
                if (assertFallbackWhole(images, List.of(oldEntries, dry.entries()), context) == baseGeneration
                        && fallbackOfNew(images)) {
                    betweenSlots++;
                }
                for (Path image : images) {
                    Files.delete(image);
                }
            }
        }
        assertTrue(trial >= 200, "trials: " + trial);
        assertTrue(oldSeen > 0 && newSeen > 0, "both outcomes must occur: old " + oldSeen + ", new " + newSeen);
        System.out.println("crash trials: " + trial + ", old catalogue " + oldSeen + ", new catalogue " + newSeen
                + " (of which " + betweenSlots + " cut between the two superblock writes, falling back to the old)");
    }
}
