package dev.atlas.catalogue.cli;

import static dev.atlas.catalogue.TestImages.cli;
import static dev.atlas.catalogue.TestImages.withDevices;
import static dev.atlas.catalogue.cli.BadInputTest.assertOneLineError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.catalogue.TestImages;
import dev.atlas.catalogue.TestImages.CliResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Item 7 of the damage issue: each of these situations gets its own accurate sentence. */
class MessagesTest {

    private Path dir;
    private Path[] images;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestImages.scratch("messages");
        images = new Path[] {dir.resolve("m.img")};
        final CliResult r = cli(withDevices(images, "format", "--size", "2M"));
        assertEquals(0, r.exitCode(), r.toString());
    }

    @AfterEach
    void tearDown() throws IOException {
        TestImages.deleteTree(dir);
    }

    @Test
    void aFullSetSaysWhatIsNeededAndWhatIsFree() throws IOException {
        final Path small = TestImages.randomFile(dir.resolve("src/a-small.ts"), 1000, 1);
        final Path big = TestImages.randomFile(dir.resolve("src/b-big.mp4"), 3_000_000, 2);
        final CliResult r = cli(withDevices(images, "import", small.getParent().toString()));
        assertOneLineError(r, "not enough space: this import needs 2.86 MiB for 2 file(s) (the largest, 'b-big.mp4'");
        assertTrue(
                r.err().contains("but the set has ") && r.err().contains(" free and its largest free extent is "),
                r.toString());
        assertFalse(r.err().contains(small.toString()), "names an unrelated file: " + r);
        assertTrue(big.toFile().exists());
    }

    @Test
    void anImageNamedTwiceIsSaidSo() {
        final String image = images[0].toString();
        assertOneLineError(cli("import", "-d", image, "-d", image, dir.toString()), image + " is named twice");
        assertOneLineError(
                cli("ls", "-d", image, "-d", dir.resolve(".").resolve("m.img").toString()),
                "are the same device, named twice");
    }

    @Test
    void anImportBlockedByAReaderNamesIt() throws Exception {
        final Path big = TestImages.randomFile(dir.resolve("src/big.mp4"), 1_500_000, 3);
        assertEquals(0, cli(withDevices(images, "import", big.toString())).exitCode());
        // A `get` to a pipe nobody reads blocks once the pipe is full, holding its shared lock.
        final Process reader = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        CatalogueCli.class.getName(),
                        "get",
                        "-d",
                        images[0].toString(),
                        "big.mp4")
                .redirectError(dir.resolve("reader.err").toFile())
                .start();
        try {
            // Wait for its lock without taking ours: a lock of ours in that moment would make it give up.
            final String held = " READ " + reader.pid() + " ";
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline
                    && reader.isAlive()
                    && !java.nio.file.Files.readString(Path.of("/proc/locks")).contains(held)) {
                Thread.sleep(50);
            }
            assertTrue(
                    reader.isAlive(), "the reader ended: " + java.nio.file.Files.readString(dir.resolve("reader.err")));
            CliResult r = cli(withDevices(images, "rm", "nothing-by-this-name"));
            assertOneLineError(r, "is being read");
            r = cli(withDevices(
                    images,
                    "import",
                    TestImages.randomFile(dir.resolve("src2/x.ts"), 10, 4).toString()));
            assertOneLineError(
                    r,
                    images[0] + " is being read (pid " + reader.pid() + ", CatalogueCli get) by another"
                            + " atlas-catalogue command; wait for it to finish");
            assertFalse(r.err().contains("server"), r.toString());
        } finally {
            reader.destroyForcibly();
            reader.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void progressShowsFilesAndTimeToGo() {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final long[] now = {0};
        final ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), () -> now[0]);
        bar.begin("import", 1000);
        bar.files(4);
        now[0] = 1_000_000_000L;
        bar.advance(250);
        now[0] = 1_300_000_000L;
        bar.fileDone();
        final String drawn = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(drawn.contains("0/4 files") && drawn.contains("1/4 files"), drawn);
        assertTrue(drawn.contains("ETA 0:03"), drawn);
        assertEquals("1:01:01", ProgressBar.clock(3661));
    }

    @Test
    void helpSaysHowNamesAreFormedAndListsExitCodes() {
        for (List<String> args : List.of(List.of("--help"), List.of("import", "--help"), List.of("fsck", "--help"))) {
            final CliResult r = cli(args.toArray(String[]::new));
            assertEquals(0, r.exitCode(), r.toString());
            assertTrue(r.out().contains("Exit codes:") && r.out().contains("2   usage error"), r.toString());
        }
        final String help = cli("import", "--help").out();
        assertTrue(help.contains("relative to the SRC it was found under"), help);
        assertTrue(cli("fsck", "--help").out().contains("--repair"));
    }
}
