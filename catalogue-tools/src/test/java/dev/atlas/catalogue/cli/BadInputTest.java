package dev.atlas.catalogue.cli;

import static dev.atlas.catalogue.TestImages.cli;
import static dev.atlas.catalogue.TestImages.withDevices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.catalogue.Catalogue;
import dev.atlas.catalogue.CatalogueWriter;
import dev.atlas.catalogue.ImportItem;
import dev.atlas.catalogue.Progress;
import dev.atlas.catalogue.TestImages;
import dev.atlas.catalogue.TestImages.CliResult;
import dev.atlas.catalogue.error.CatalogueException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Operator mistakes and hostile conditions end in one clear line and the right exit code. */
class BadInputTest {

    private static final long SMALL_IMAGE = 1L << 20;

    private Path dir;
    private Path[] images;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestImages.scratch("badinput");
        images = new Path[] {dir.resolve("a.img"), dir.resolve("b.img")};
        final CliResult r = cli(withDevices(images, "format", "--size", String.valueOf(SMALL_IMAGE)));
        assertEquals(0, r.exitCode(), r.toString());
    }

    @AfterEach
    void tearDown() throws IOException {
        TestImages.deleteTree(dir);
    }

    /** One line on stderr, no stack trace. */
    static void assertOneLineError(CliResult r, String expectedFragment) {
        assertEquals(1, r.exitCode(), r.toString());
        assertEquals(1, r.err().lines().count(), r.toString());
        assertTrue(r.err().startsWith("atlas-catalogue: "), r.toString());
        assertTrue(r.err().contains(expectedFragment), "expected '" + expectedFragment + "' in " + r);
        assertTrue(!r.err().contains("Exception") && !r.err().contains("\tat "), r.toString());
    }

    private Path file(String name, long bytes) throws IOException {
        return TestImages.randomFile(dir.resolve("src").resolve(name), bytes, bytes);
    }

    @Test
    void fullSetRefusesTheImportAndKeepsThePreviousCatalogue() throws IOException {
        final Path small = file("small.ts", 10_000);
        CliResult r = cli(withDevices(images, "import", small.toString()));
        assertEquals(0, r.exitCode(), r.toString());
        final String before = cli(withDevices(images, "ls", "--long")).out();

        // One file larger than any device's free extent.
        r = cli(withDevices(images, "import", file("huge.mp4", 1_500_000).toString()));
        assertOneLineError(r, "not enough space");
        // Files that fit one by one but not all together: all or nothing.
        final Path many = dir.resolve("many");
        for (int i = 0; i < 3; i++) {
            TestImages.randomFile(many.resolve("part-" + i + ".m4s"), 700_000, i);
        }
        r = cli(withDevices(images, "import", many.toString()));
        assertOneLineError(r, "not enough space");

        assertEquals(before, cli(withDevices(images, "ls", "--long")).out());
        assertEquals(0, cli(withDevices(images, "verify")).exitCode());
        assertEquals(0, cli(withDevices(images, "fsck")).exitCode());
    }

    @Test
    void overLongAndDuplicateNamesAreRefused() throws IOException {
        final Path f = file("x.ts", 5000);
        CliResult r = cli(withDevices(images, "import", "--prefix", "p".repeat(1100), f.toString()));
        assertOneLineError(r, "name too long");

        try (CatalogueWriter w = CatalogueWriter.open(List.of(images))) {
            final String longest = "n/" + "é".repeat(511); // 2 + 1022 = 1024 bytes of UTF-8
            w.importFiles(List.of(new ImportItem(longest, f)), Progress.NONE);
            final CatalogueException tooLong = assertThrows(
                    CatalogueException.class,
                    () -> w.importFiles(List.of(new ImportItem(longest + "x", f)), Progress.NONE));
            assertTrue(tooLong.getMessage().contains("name too long: 1025 bytes"), tooLong.getMessage());
            assertThrows(
                    CatalogueException.class,
                    () -> w.importFiles(List.of(new ImportItem("../escape.ts", f)), Progress.NONE));
            w.commit();
        }

        r = cli(withDevices(images, "import", f.toString()));
        assertEquals(0, r.exitCode(), r.toString());
        r = cli(withDevices(images, "import", f.toString()));
        assertOneLineError(r, "already in the catalogue");
        // The same relative name under two sources in one import.
        final Path other = TestImages.randomFile(dir.resolve("other/x.ts"), 10, 1);
        r = cli(withDevices(images, "import", "--prefix", "dup", f.toString(), other.toString()));
        assertOneLineError(r, "two sources map to the name 'dup/x.ts'");
        assertEquals(2, cli(withDevices(images, "ls")).out().lines().count());
    }

    @Test
    void aServedCatalogueIsNotWritten() throws IOException {
        final Path f = file("served.m3u8", 300);
        try (Catalogue served = Catalogue.open(List.of(images))) {
            CliResult r = cli(withDevices(images, "import", f.toString()));
            assertOneLineError(r, "is in use");
            assertTrue(r.err().contains("admin API"), r.toString());
            r = cli(withDevices(images, "rm", "anything"));
            assertOneLineError(r, "is in use");
            r = cli(withDevices(images, "format", "--force"));
            assertOneLineError(r, "is in use");
            // Readers share the lock with the server.
            assertEquals(0, cli(withDevices(images, "ls")).exitCode());
            assertEquals(0, cli(withDevices(images, "fsck")).exitCode());
            assertEquals(1, served.generation());
        }
        try (CatalogueWriter writer = CatalogueWriter.open(List.of(images))) {
            final CliResult r = cli(withDevices(images, "ls"));
            assertOneLineError(r, "being written");
            assertThrows(CatalogueException.class, () -> Catalogue.open(List.of(images)));
        }
        assertEquals(0, cli(withDevices(images, "import", f.toString())).exitCode());
    }

    @Test
    void wrongDevicesAreNamed() throws IOException {
        final Path blank = TestImages.image(dir, "blank.img", SMALL_IMAGE);
        assertOneLineError(cli("ls", "-d", blank.toString()), "holds no valid catalogue superblock");
        assertOneLineError(cli("ls", "-d", images[0].toString()), "spans 2 devices but 1 were given");
        assertOneLineError(cli("ls", "-d", images[0].toString(), "-d", images[0].toString()), "is named twice");
        assertOneLineError(cli("ls", "-d", dir.resolve("missing.img").toString()), "does not exist");
        final Path[] other = {dir.resolve("c.img"), dir.resolve("d.img")};
        assertEquals(
                0,
                cli(withDevices(other, "format", "--size", String.valueOf(SMALL_IMAGE)))
                        .exitCode());
        assertOneLineError(
                cli("ls", "-d", images[0].toString(), "-d", other[1].toString()), "belongs to catalogue set");
        assertOneLineError(cli(withDevices(images, "format")), "already holds an Atlas catalogue");
        assertOneLineError(cli(withDevices(images, "stat", "nope.ts")), "no file named 'nope.ts'");
        assertOneLineError(
                cli(withDevices(images, "get", "nope.ts", "-o", dir.resolve("o").toString())), "no file named");
        assertOneLineError(cli(withDevices(images, "rm", "nope.ts")), "no file named");
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertEquals(2, cli("ls").exitCode());
        assertEquals(2, cli("frobnicate").exitCode());
        assertEquals(2, cli(withDevices(images, "ls", "--bogus")).exitCode());
        assertEquals(2, cli(withDevices(images, "import")).exitCode());
        assertEquals(0, cli("--help").exitCode());
    }

    @Test
    void reopeningFindsFilesWithoutTheFirstDeviceFirst() throws IOException {
        final Path f = file("order.vtt", 4097);
        assertEquals(0, cli(withDevices(images, "import", f.toString())).exitCode());
        final CliResult r = cli(
                "get",
                "-d",
                images[1].toString(),
                "-d",
                images[0].toString(),
                "order.vtt",
                "-o",
                dir.resolve("back").toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(f), Files.readAllBytes(dir.resolve("back"))));
    }
}
