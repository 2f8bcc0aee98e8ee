package dev.atlas.catalogue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.catalogue.device.BlockDevices;
import dev.atlas.catalogue.format.SuperblockDescriptor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A seeded damage campaign: one- and two-device sets with a random history of imports and
 * removals, then in each trial one random byte flip or zeroed block in a superblock slot of some
 * device, an index copy on device 0, or the data area. Each trial must end in one of two ways:
 * the newest catalogue is read intact (damage to a file's bytes named by verify), or a loud
 * refusal from which {@code fsck --repair} recovers a whole generation of the history whose files
 * all verify and that accepts writes again. Never a silent loss, never {@code format} as the only
 * way out.
 */
class DamageCampaignTest {

    private static final int BLOCK = CatalogueLayout.BLOCK_SIZE;
    private static final long IMAGE_BYTES = 3L << 20;
    private static final int TRIALS_PER_SET = 55;
    private static final long[] HISTORY_SEEDS = {0xDA3A6EL, 0x5EEDL, 0xB10CL, 0xF11EL};

    private enum Target {
        SUPERBLOCK,
        INDEX,
        DATA
    }

    /** One damaged-able catalogue: its images and every generation its history committed. */
    private record Base(Path[] images, Map<Long, List<CatalogueEntry>> generations, long newest, boolean cutShort) {
        List<CatalogueEntry> newestEntries() {
            return generations.get(newest);
        }
    }

    private static Path dir;
    private static final List<Base> BASES = new ArrayList<>();

    @BeforeAll
    static void buildHistories() throws IOException {
        dir = TestImages.scratch("campaign");
        for (int b = 0; b < HISTORY_SEEDS.length; b++) {
            BASES.add(history(b, b % 2 == 0 ? 1 : 2, b >= 2, HISTORY_SEEDS[b]));
        }
    }

    @AfterAll
    static void cleanUp() throws IOException {
        TestImages.deleteTree(dir);
    }

    /**
     * Formats a set and runs a random history on it; with {@code cutShort}, the last commit looks cut
     * short after its first superblock write (the other slot still names the previous generation).
     */
    private static Base history(int b, int devices, boolean cutShort, long seed) throws IOException {
        final Random random = new Random(seed);
        final Path[] images = new Path[devices];
        for (int d = 0; d < devices; d++) {
            images[d] = TestImages.image(dir, "base" + b + "-" + d + ".img", IMAGE_BYTES);
        }
        CatalogueFormatter.format(List.of(images), false);
        final Map<Long, List<CatalogueEntry>> generations = new HashMap<>();
        generations.put(1L, List.of());
        long newest = 1;
        int made = 0;
        final int steps = 5 + random.nextInt(4);
        for (int step = 0; step < steps; step++) {
            try (CatalogueWriter w = CatalogueWriter.open(List.of(images))) {
                final List<CatalogueEntry> now = w.committed().entries();
                if (!now.isEmpty() && random.nextInt(3) == 0) {
                    final int removals = 1 + random.nextInt(Math.min(3, now.size()));
                    for (int i = 0; i < removals; i++) {
                        final String name = now.get(random.nextInt(now.size())).name();
                        if (w.staged(name) != null) {
                            w.remove(name);
                        }
                    }
                } else {
                    final List<ImportItem> items = new ArrayList<>();
                    final int files = 1 + random.nextInt(4);
                    for (int i = 0; i < files; i++, made++) {
                        final int bytes = random.nextInt(5) == 0 ? random.nextInt(100) : 1000 + random.nextInt(150_000);
                        items.add(new ImportItem(
                                "h" + b + "/seg-" + made + ".m4s",
                                TestImages.randomFile(dir.resolve("src/h" + b + "-" + made), bytes, seed + made)));
                    }
                    w.importFiles(items, Progress.NONE);
                }
                final boolean last = step == steps - 1;
                final int second = 1 - SuperblockDescriptor.slotOf(newest + 1);
                final byte[] before = last && cutShort ? DamageTest.block(images[0], second) : null;
                newest = w.commit();
                generations.put(newest, w.committed().entries());
                if (before != null) {
                    DamageTest.poke(images[0], (long) second * BLOCK, before);
                }
            }
        }
        return new Base(images, generations, newest, cutShort);
    }

    @Test
    void everyDamageEndsIntactOrInALoudRefusalThatRepairRecovers() throws IOException {
        final Map<String, Integer> outcomes = new HashMap<>();
        int trial = 0;
        for (Base base : BASES) {
            for (int i = 0; i < TRIALS_PER_SET; i++, trial++) {
                final long seed = 0xCA3B_A16EL + trial;
                outcomes.merge(runTrial(base, trial, seed), 1, Integer::sum);
            }
        }
        assertTrue(trial >= 200, "trials: " + trial);
        System.out.println("damage campaign: " + trial + " trials, " + outcomes);
        assertTrue(
                outcomes.getOrDefault("repaired", 0) > 0 && outcomes.getOrDefault("file named", 0) > 0,
                "the campaign must reach both refusals and damaged files: " + outcomes);
    }

    /** Damages a copy of {@code base}, judges the outcome and returns its kind. */
    private static String runTrial(Base base, int trial, long seed) throws IOException {
        final Random random = new Random(seed);
        final Path[] images = new Path[base.images().length];
        for (int d = 0; d < images.length; d++) {
            images[d] = dir.resolve("trial-" + d + ".img");
            Files.copy(base.images()[d], images[d], StandardCopyOption.REPLACE_EXISTING);
        }
        final Target target = Target.values()[random.nextInt(Target.values().length)];
        final boolean zero = random.nextInt(3) == 0;
        final int device = target == Target.INDEX ? 0 : random.nextInt(images.length);
        final long block;
        final int from;
        final int to;
        switch (target) {
            case SUPERBLOCK -> {
                block = random.nextInt(SuperblockDescriptor.SLOT_COUNT);
                from = 0;
                to = SuperblockDescriptor.LENGTH;
            }
            case INDEX -> {
                final Superblock copy = DamageTest.slot(images[0], random.nextInt(SuperblockDescriptor.SLOT_COUNT));
                final long offset = random.nextLong(copy.indexBytes());
                block = copy.indexLba() + offset / BLOCK;
                from = 0;
                to = (int) Math.min(BLOCK, copy.indexBytes() - (block - copy.indexLba()) * BLOCK);
            }
            default -> {
                block = SuperblockDescriptor.FIRST_DATA_LBA
                        + random.nextLong(IMAGE_BYTES / BLOCK - SuperblockDescriptor.FIRST_DATA_LBA);
                from = 0;
                to = BLOCK;
            }
        }
        final String what =
                (zero ? "zeroed " : "flipped bytes in ") + target + " block " + block + " of device " + device;
        final String context = "trial " + trial + " seed " + seed + " (" + base.images().length + " device(s), "
                + "generation " + base.newest() + "): " + what;
        final boolean changed = damage(images[device], block, from, to, zero, random);

        final List<Path> set = List.of(images);
        final String outcome;
        long seen = -1;
        Catalogue opened = null;
        try {
            opened = Catalogue.open(set);
        } catch (CatalogueDamagedException refused) {
            assertLoud(refused.getMessage(), context);
        }
        if (opened != null) {
            final List<String> damage;
            final List<String> failedFiles = new ArrayList<>();
            final List<CatalogueEntry> hit;
            try (Catalogue c = opened) {
                damage = c.damage();
                seen = c.generation();
                // Only after a commit cut short may the set read one generation back, and never silently.
                assertTrue(
                        seen == base.newest() || base.cutShort() && seen == base.newest() - 1 && !damage.isEmpty(),
                        context + ": rolled back to generation " + seen + " with damage " + damage);
                assertEquals(base.generations().get(seen), c.entries(), context + ": entries changed");
                hit = filesOn(c.entries(), device, block);
                for (CatalogueEntry e : c.entries()) {
                    if (!c.verify(e, Progress.NONE)) {
                        failedFiles.add(e.name());
                    }
                }
            }
            final List<String> hitNames = hit.stream().map(CatalogueEntry::name).toList();
            assertEquals(
                    changed ? hitNames : List.of(),
                    failedFiles,
                    context + ": verify must name exactly the damaged files");
            if (damage.isEmpty()) {
                // Only file bytes or blocks nobody uses were hit: the structure is whole.
                assertTrue(target == Target.DATA || !changed, context + ": metadata damage went unreported");
                assertTrue(Fsck.check(set, false, Progress.NONE).clean(), context);
                return failedFiles.isEmpty() ? "intact" : "file named";
            }
            damage.forEach(d -> assertLoud(d, context));
            final CatalogueDamagedException refused = assertThrows(
                    CatalogueDamagedException.class,
                    () -> CatalogueWriter.open(set).close(),
                    context + ": a write was allowed on a damaged set");
            assertLoud(refused.getMessage(), context);
            assertFalse(Fsck.check(set, false, Progress.NONE).clean(), context + ": fsck called it clean");
            outcome = "warned, repaired";
        } else {
            outcome = "repaired";
        }
        final List<String> done = Fsck.repair(set);
        assertFalse(done.isEmpty(), context + ": repair did nothing");
        try (Catalogue after = Catalogue.open(set)) {
            assertTrue(after.damage().isEmpty(), context + ": still damaged after repair: " + after.damage());
            assertTrue(
                    findGeneration(base, after.entries()) >= base.newest() - 1,
                    context + ": repair kept entries of no recent generation in the history");
            if ("warned, repaired".equals(outcome)) {
                assertEquals(base.generations().get(seen), after.entries(), context + ": repair lost what was read");
            } else {
                assertTrue(base.cutShort(), context + ": refused although a whole copy of the newest existed");
            }
            for (CatalogueEntry e : after.entries()) {
                assertTrue(after.verify(e, Progress.NONE), context + ": " + e.name() + " does not verify after repair");
            }
        }
        assertTrue(Fsck.check(set, true, Progress.NONE).clean(), context + ": fsck after repair");
        try (CatalogueWriter w = CatalogueWriter.open(set, BlockDevices.defaultOpener())) {
            assertTrue(w.committed().generation() > base.newest() - 1, context);
        }
        return outcome;
    }

    private static long findGeneration(Base base, List<CatalogueEntry> entries) {
        for (Map.Entry<Long, List<CatalogueEntry>> g : base.generations().entrySet()) {
            if (g.getValue().equals(entries)) {
                return g.getKey();
            }
        }
        return -1;
    }

    /** A refusal or warning names a device or generation and says what to do, and does not send the operator to format. */
    private static void assertLoud(String message, String context) {
        assertTrue(message.contains("fsck --repair") || message.contains("restore"), context + ": " + message);
        assertFalse(message.contains("format it") && !message.contains("fsck --repair"), context + ": " + message);
    }

    /** The newest generation's files with a block at {@code block} on {@code device}. */
    private static List<CatalogueEntry> filesOn(List<CatalogueEntry> entries, int device, long block) {
        final List<CatalogueEntry> hit = new ArrayList<>();
        for (CatalogueEntry e : entries) {
            if (e.length() > 0
                    && e.device() == device
                    && block >= e.firstLba()
                    && block < e.firstLba() + e.blocks(BLOCK)
                    && byteInFile(e, block)) {
                hit.add(e);
            }
        }
        return hit;
    }

    private static boolean byteInFile(CatalogueEntry e, long block) {
        return (block - e.firstLba()) * BLOCK < e.length();
    }

    /**
     * Zeroes bytes [from, to) of a block, or flips 1–8 random bytes in it (XOR with a non-zero
     * mask, so each flip changes the byte); for a file's last block only bytes inside the file count.
     *
     * @return true when some byte changed
     */
    private static boolean damage(Path image, long block, int from, int to, boolean zero, Random random)
            throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            final byte[] bytes = new byte[BLOCK];
            f.seek(block * BLOCK);
            f.readFully(bytes);
            final byte[] before = bytes.clone();
            if (zero) {
                java.util.Arrays.fill(bytes, from, to, (byte) 0);
            } else {
                final int flips = 1 + random.nextInt(8);
                for (int i = 0; i < flips; i++) {
                    bytes[from + random.nextInt(to - from)] ^= (byte) (1 + random.nextInt(255));
                }
            }
            f.seek(block * BLOCK);
            f.write(bytes);
            return !java.util.Arrays.equals(before, bytes);
        }
    }
}
