package dev.atlas.catalogue;

import static dev.atlas.catalogue.TestImages.cli;
import static dev.atlas.catalogue.TestImages.withDevices;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.catalogue.TestImages.CliResult;
import dev.atlas.catalogue.format.SuperblockDescriptor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Damage an operator meets, through the CLI on image files: a damaged superblock slot beside a
 * valid one is loud and blocks writes until {@code fsck --repair}; a damaged newest index falls
 * back to the whole previous generation; a member survives one damaged superblock; an
 * interrupted import leaves the previous generation whole; tiny images get a sentence.
 */
class DamageTest {

    private static final long IMAGE_BYTES = 4L << 20;
    private static final int BLOCK = CatalogueLayout.BLOCK_SIZE;

    private Path dir;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestImages.scratch("damage");
    }

    @AfterEach
    void tearDown() throws IOException {
        TestImages.deleteTree(dir);
    }

    static void poke(Path image, long offset, byte... bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        }
    }

    static Superblock slot(Path image, int slot) throws IOException {
        final byte[] block = new byte[BLOCK];
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            f.seek((long) slot * BLOCK);
            f.readFully(block);
        }
        return Superblock.decode(MemorySegment.ofArray(block));
    }

    private Path[] formatted(int devices) {
        final Path[] images = new Path[devices];
        for (int i = 0; i < devices; i++) {
            images[i] = dir.resolve("dev" + i + ".img");
        }
        final CliResult r = cli(withDevices(images, "format", "--size", String.valueOf(IMAGE_BYTES)));
        assertEquals(0, r.exitCode(), r.toString());
        return images;
    }

    private void importOk(Path[] images, String... sources) {
        final String[] args = new String[sources.length + 1];
        args[0] = "import";
        System.arraycopy(sources, 0, args, 1, sources.length);
        final CliResult r = cli(withDevices(images, args));
        assertEquals(0, r.exitCode(), r.toString());
    }

    private Path source(String name, int bytes) throws IOException {
        return TestImages.randomFile(dir.resolve("src").resolve(name), bytes, name.hashCode());
    }

    static byte[] block(Path image, long lba) throws IOException {
        final byte[] block = new byte[BLOCK];
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            f.seek(lba * BLOCK);
            f.readFully(block);
        }
        return block;
    }

    /**
     * Item 1: the flipped byte of the newest slot no longer rolls the catalogue back silently: the
     * other slot holds the same generation, the damage is loud, and writes wait for the operator.
     */
    @Test
    void aDamagedSlotIsLoudAndBlocksWritesUntilRepair() throws IOException {
        final Path[] images = formatted(1);
        importOk(images, source("gen2.ts", 20_000).toString());
        importOk(images, source("gen3.ts", 30_000).toString());
        assertEquals(3, slot(images[0], 1).generation());
        assertEquals(3, slot(images[0], 0).generation());
        poke(images[0], BLOCK + 4, (byte) 0xff);

        final CliResult ls = cli(withDevices(images, "ls"));
        assertEquals(0, ls.exitCode(), ls.toString());
        assertEquals("gen2.ts\ngen3.ts\n", ls.out());
        assertTrue(
                ls.err().contains("WARNING")
                        && ls.err().contains("slot 1 is damaged")
                        && ls.err().contains("newer catalogue than generation 3 may have been lost"),
                ls.toString());
        final CliResult stat = cli(withDevices(images, "stat", "gen3.ts"));
        assertTrue(stat.err().contains("slot 1 is damaged"), stat.toString());

        final CliResult fsck = cli(withDevices(images, "fsck"));
        assertEquals(1, fsck.exitCode(), fsck.toString());
        assertTrue(fsck.out().contains("may have been lost") && fsck.out().contains("fsck --repair"), fsck.toString());

        final Path later = source("later.ts", 5000);
        CliResult r = cli(withDevices(images, "import", later.toString()));
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.err().contains("is damaged, so nothing was changed"), r.toString());
        r = cli(withDevices(images, "rm", "gen2.ts"));
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.err().contains("is damaged"), r.toString());
        // A server serving it reads on, but its admin API's updates are refused the same way.
        try (Catalogue served = Catalogue.open(List.of(images))) {
            assertEquals(3, served.generation());
            assertEquals(1, served.damage().size(), served.damage().toString());
            final CatalogueDamagedException refused = org.junit.jupiter.api.Assertions.assertThrows(
                    CatalogueDamagedException.class, () -> served.beginUpdate(List.of()));
            assertTrue(refused.getMessage().contains("fsck --repair"), refused.getMessage());
            assertFalse(served.updating());
        }
        // Nothing was written over the damaged slot while it was refused.
        assertThrowsDecode(images[0], 1);

        r = cli(withDevices(images, "fsck", "--repair"));
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("REPAIRED device 0") && r.out().contains("kept generation 3"), r.toString());
        assertEquals(0, cli(withDevices(images, "fsck")).exitCode());
        importOk(images, later.toString());
        assertEquals(0, cli(withDevices(images, "verify")).exitCode());
        assertEquals(
                "gen2.ts\ngen3.ts\nlater.ts\n", cli(withDevices(images, "ls")).out());
    }

    private static void assertThrowsDecode(Path image, int slot) {
        try {
            slot(image, slot);
            throw new AssertionError("slot " + slot + " of " + image + " was rewritten");
        } catch (CatalogueFormatException | IOException expected) {
            // still the damaged bytes
        }
    }

    /** Item 2: a damaged index copy is read around from the other copy and restored by fsck --repair. */
    @Test
    void aDamagedIndexCopyIsRestoredFromTheOther() throws IOException {
        final Path[] images = formatted(1);
        final Path a = source("a.ts", 50_000);
        importOk(images, a.toString());
        final Superblock newest = slot(images[0], 0);
        assertEquals(2, newest.generation());
        poke(images[0], newest.indexLba() * BLOCK + 40, (byte) 0x5a, (byte) 0xa5);

        CliResult r = cli(withDevices(images, "ls"));
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("a.ts\n", r.out());
        assertTrue(r.err().contains("the other copy of generation 2 is whole"), r.toString());
        r = cli(withDevices(images, "import", source("b.ts", 100).toString()));
        assertEquals(1, r.exitCode(), r.toString());
        r = cli(withDevices(images, "fsck", "--repair"));
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(0, cli(withDevices(images, "fsck", "--data")).exitCode());
        assertEquals("a.ts\n", cli(withDevices(images, "ls")).out());
    }

    /** With both index copies of the only generation damaged, nothing is whole: every command says to restore. */
    @Test
    void withNothingWholeLeftRepairRefusesAndSaysToRestore() throws IOException {
        final Path[] images = formatted(1);
        importOk(images, source("a.ts", 50_000).toString());
        for (int slot = 0; slot < SuperblockDescriptor.SLOT_COUNT; slot++) {
            poke(images[0], slot(images[0], slot).indexLba() * BLOCK + 40, (byte) 0x5a);
        }
        CliResult r = cli(withDevices(images, "ls"));
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(
                r.err().contains("no other generation on it is whole: restore the device from a backup"), r.toString());
        r = cli(withDevices(images, "fsck", "--repair"));
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.err().contains("fsck --repair cannot choose one: restore the device from a backup"), r.toString());
        assertEquals(2, slot(images[0], 0).generation(), "a refused repair wrote nothing");
    }

    /**
     * Makes device 0 look like a commit of the newest generation was cut short after its first
     * superblock write: the slot it writes second is put back as it was one generation earlier.
     */
    private static void cutShortLastCommit(Path image, byte[] earlierSlot, int slot) throws IOException {
        poke(image, (long) slot * BLOCK, earlierSlot);
    }

    /** Item 2: with the newest index damaged, fsck --repair falls back to the whole previous generation. */
    @Test
    void aDamagedNewestIndexFallsBackToThePreviousGeneration() throws IOException {
        final Path[] images = formatted(1);
        final Path a = source("a.ts", 50_000);
        final Path b = source("b.mp4", 70_000);
        importOk(images, a.toString());
        final byte[] generation2 = block(images[0], 0);
        importOk(images, b.toString());
        cutShortLastCommit(images[0], generation2, 0);
        final Superblock newest = slot(images[0], 1);
        assertEquals(3, newest.generation());
        assertEquals(0, cli(withDevices(images, "fsck")).exitCode(), "a commit cut short is no damage");
        poke(images[0], newest.indexLba() * BLOCK + 40, (byte) 0x5a, (byte) 0xa5);

        for (String command : new String[] {"ls", "verify"}) {
            final CliResult r = cli(withDevices(images, command));
            assertEquals(1, r.exitCode(), r.toString());
            assertTrue(
                    r.err().contains("generation 3")
                            && r.err().contains("previous generation 2")
                            && r.err().contains("fsck --repair"),
                    r.toString());
            assertFalse(r.err().contains("format"), r.toString());
        }
        CliResult r = cli(withDevices(images, "fsck"));
        assertEquals(1, r.exitCode(), r.toString());

        r = cli(withDevices(images, "fsck", "--repair"));
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(
                r.out().contains("kept generation 2") && r.out().contains("giving up the damaged generation 3"),
                r.toString());
        assertEquals("a.ts\n", cli(withDevices(images, "ls")).out());
        assertEquals(0, cli(withDevices(images, "fsck", "--data")).exitCode());
        final Path back = dir.resolve("a.back");
        assertEquals(
                0,
                cli(withDevices(images, "get", "a.ts", "-o", back.toString())).exitCode());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(back));
        importOk(images, b.toString());
        assertEquals(0, cli(withDevices(images, "verify")).exitCode());
    }

    /** Item 3: a member with one damaged superblock block still reads, is named, and is repaired. */
    @Test
    void aMemberSurvivesOneDamagedSuperblock() throws IOException {
        final Path[] images = formatted(2);
        importOk(
                images,
                source("one.ts", 300_000).toString(),
                source("two.ts", 300_000).toString());
        for (int slot = 0; slot < SuperblockDescriptor.SLOT_COUNT; slot++) {
            poke(images[1], (long) slot * BLOCK + 20, (byte) 0, (byte) 0);
            final CliResult ls = cli(withDevices(images, "ls"));
            assertEquals(0, ls.exitCode(), ls.toString());
            assertEquals("one.ts\ntwo.ts\n", ls.out());
            assertTrue(
                    ls.err().contains("device 1 (" + images[1] + "): superblock slot " + slot + " is damaged"),
                    ls.toString());
            assertFalse(ls.err().contains("format"), ls.toString());
            CliResult r = cli(withDevices(images, "fsck"));
            assertEquals(1, r.exitCode(), r.toString());
            r = cli(withDevices(images, "fsck", "--repair"));
            assertEquals(0, r.exitCode(), r.toString());
            assertTrue(r.out().contains("rewrote superblock slot " + slot), r.toString());
            assertEquals(0, cli(withDevices(images, "verify")).exitCode());
            assertEquals(slot(images[1], 0), slot(images[1], 1));
        }
    }

    /**
     * Item 2: after a commit cut short, the other slot names the previous generation; an import
     * that then never commits must leave that generation's index and files whole.
     */
    @Test
    void anInterruptedImportLeavesThePreviousGenerationWhole() throws IOException {
        final Path[] images = formatted(1);
        importOk(
                images,
                source("keep.ts", 200_000).toString(),
                source("gone.ts", 1_500_000).toString());
        final byte[] generation2 = block(images[0], 0);
        assertEquals(0, cli(withDevices(images, "rm", "gone.ts")).exitCode());
        cutShortLastCommit(images[0], generation2, 0);
        // Generation 3 no longer has gone.ts, but generation 2 (its fallback) does: its blocks are not free.
        final Path filler = source("filler.mp4", 2_000_000);
        try (CatalogueWriter w = CatalogueWriter.open(List.of(images))) {
            w.importFiles(List.of(new ImportItem("filler.mp4", filler)), Progress.NONE);
            // no commit: the import is cut short here
        }
        try (DeviceSet set = DeviceSet.open(List.of(images), dev.atlas.catalogue.device.BlockDevices.defaultOpener())) {
            final CatalogueHealth health = CatalogueHealth.assess(set);
            assertTrue(health.healthy(), health.problems().toString());
            assertEquals(3, health.newest().generation());
            final CatalogueSnapshot previous = health.fallback();
            assertNotNull(previous);
            assertEquals(2, previous.generation());
            assertEquals(2, previous.size());
            for (CatalogueEntry e : previous.entries()) {
                assertTrue(ExtentReader.verify(set, e, Progress.NONE), e.name() + " of generation 2 was overwritten");
            }
        }
    }

    /** Item 4: images too small for two superblocks get a sentence, not an internal error. */
    @Test
    void tinyImagesGetASentence() throws IOException {
        for (long size : new long[] {512, 4096, 8191}) {
            final Path tiny = TestImages.image(dir, "tiny-" + size + ".img", size);
            final CliResult r = cli("ls", "-d", tiny.toString());
            assertEquals(1, r.exitCode(), r.toString());
            assertTrue(
                    r.err().contains("is too small to hold a catalogue")
                            && !r.err().contains("internal error"),
                    r.toString());
        }
    }

    /** Item 6: get -o on a file whose bytes no longer match leaves nothing at the output path. */
    @Test
    void getOfADamagedFileWritesNoOutput() throws IOException {
        final Path[] images = formatted(1);
        final Path a = source("a.mp4", 100_000);
        importOk(images, a.toString());
        final CatalogueEntry entry;
        try (Catalogue c = Catalogue.open(List.of(images))) {
            entry = c.lookup("a.mp4");
        }
        poke(images[0], entry.firstLba() * BLOCK + 5000, (byte) 0x42, (byte) 0x24);

        final Path out = dir.resolve("out").resolve("a.mp4");
        CliResult r = cli(withDevices(images, "get", "a.mp4", "-o", out.toString()));
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.err().contains("directory " + out.getParent() + " does not exist"), r.toString());
        Files.createDirectories(out.getParent());

        r = cli(withDevices(images, "get", "a.mp4", "-o", out.toString()));
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(
                r.err().contains("no longer match their SHA-256") && r.err().contains("was not written"), r.toString());
        assertFalse(Files.exists(out), "the corrupted bytes were left in " + out);
        Files.writeString(out, "an older copy");
        r = cli(withDevices(images, "get", "a.mp4", "-o", out.toString()));
        assertEquals(1, r.exitCode(), r.toString());
        assertEquals("an older copy", Files.readString(out));
        try (var left = Files.list(out.getParent())) {
            assertEquals(List.of(out), left.toList(), "a partial file was left behind");
        }
        // Once the file is imported again, get replaces the older copy.
        assertEquals(0, cli(withDevices(images, "rm", "a.mp4")).exitCode());
        importOk(images, a.toString());
        r = cli(withDevices(images, "get", "a.mp4", "-o", out.toString()));
        assertEquals(0, r.exitCode(), r.toString());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(out));
    }
}
