package dev.atlas.catalogue.cli;

import static dev.atlas.catalogue.TestImages.cli;
import static dev.atlas.catalogue.TestImages.withDevices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.catalogue.Catalogue;
import dev.atlas.catalogue.CatalogueEntry;
import dev.atlas.catalogue.TestImages;
import dev.atlas.catalogue.TestImages.CliResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Item 5 of the damage issue: names are the file system's bytes (valid UTF-8 kept exactly under
 * any locale, invalid UTF-8 refused or percent-encoded), symbolic links are followed only inside
 * the tree, what is skipped is said, and two sources mapping to one name are named as such.
 * Files with exact byte names are made with the shell, since the JVM under test may not be able
 * to spell them in its locale.
 */
class NamesTest {

    private Path dir;
    private Path[] images;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestImages.scratch("names");
        images = new Path[] {dir.resolve("n.img")};
        final CliResult r = cli(withDevices(images, "format", "--size", "4M"));
        assertEquals(0, r.exitCode(), r.toString());
    }

    @AfterEach
    void tearDown() throws IOException {
        TestImages.deleteTree(dir);
    }

    /** Runs a shell script in {@code dir}, with {@code printf} escapes for exact bytes. */
    private void sh(String script) throws IOException, InterruptedException {
        final Process p = new ProcessBuilder("sh", "-c", script)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0, script + ": " + out);
    }

    /** Runs the CLI in a JVM of its own under {@code LC_ALL=C}, whose file-name encoding is ASCII. */
    private CliResult cliUnderCLocale(String... args) throws IOException, InterruptedException {
        final List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                CatalogueCli.class.getName()));
        command.addAll(List.of(args));
        final ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("LC_ALL", "C");
        pb.environment().put("LANG", "C");
        pb.redirectOutput(dir.resolve("c.out").toFile())
                .redirectError(dir.resolve("c.err").toFile());
        final Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the CLI under LC_ALL=C did not finish");
        return new CliResult(
                p.exitValue(),
                Files.readString(dir.resolve("c.out"), StandardCharsets.ISO_8859_1),
                Files.readString(dir.resolve("c.err"), StandardCharsets.ISO_8859_1));
    }

    private List<String> names() {
        try (Catalogue c = Catalogue.open(List.of(images))) {
            return c.entries().stream().map(CatalogueEntry::name).toList();
        }
    }

    @Test
    void validUtf8IsStoredExactlyUnderTheCLocale() throws Exception {
        sh("mkdir -p src/\"$(printf 'ladder-\\303\\274')\" && printf x > src/\"$(printf 'caf\\303\\251.ts')\""
                + " && printf yy > src/\"$(printf 'ladder-\\303\\274/\\320\\266.m4s')\"");
        final CliResult r =
                cliUnderCLocale(withDevices(images, "import", dir.resolve("src").toString()));
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(List.of("café.ts", "ladder-ü/ж.m4s"), names());
    }

    @Test
    void namesThatAreNotUtf8AreRefusedOrPercentEncoded() throws Exception {
        sh("mkdir src && printf a > src/\"$(printf 'bad\\376.ts')\" && printf b > src/\"$(printf 'bad\\377.ts')\""
                + " && printf c > src/good.ts");
        CliResult r = cli(withDevices(images, "import", dir.resolve("src").toString()));
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(
                r.err().contains("2 file name(s) are not valid UTF-8")
                        && r.err().contains("bad%FE.ts")
                        && r.err().contains("--percent-encode-names")
                        && r.err().contains("nothing was imported"),
                r.toString());
        assertEquals(List.of(), names());
        r = cli(withDevices(
                images, "import", "--percent-encode-names", dir.resolve("src").toString()));
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(List.of("bad%FE.ts", "bad%FF.ts", "good.ts"), names());
    }

    @Test
    void linksAreFollowedOnlyInsideTheTreeAndSkipsAreSaid() throws Exception {
        final Path outside = TestImages.randomFile(dir.resolve("elsewhere/secret.txt"), 100, 7);
        sh("mkdir -p src/sub && printf data > src/real.ts && ln -s real.ts src/alias.ts && ln -s sub src/subdir"
                + " && printf more > src/sub/x.m4s && ln -s " + outside + " src/outside && ln -s missing src/dangling"
                + " && ln -s .. src/sub/up && ln -s self src/self && mkfifo src/pipe");
        CliResult r = cli(withDevices(images, "import", dir.resolve("src").toString()));
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(List.of("alias.ts", "real.ts", "sub/x.m4s", "subdir/x.m4s"), names());
        assertTrue(
                r.err().contains("outside: skipped, a symbolic link to " + outside + ", outside the imported tree"),
                r.toString());
        assertTrue(r.err().contains("dangling: skipped, a dangling symbolic link"), r.toString());
        // sub/up, and subdir/up again through the link to sub.
        assertTrue(
                r.err().contains("sub/up: skipped, a symbolic link loop")
                        && r.err().contains("subdir/up: skipped"),
                r.toString());
        assertTrue(r.err().contains("self: skipped, a symbolic link that cannot be followed"), r.toString());
        assertTrue(r.err().contains("pipe: skipped, a FIFO, socket or device file"), r.toString());
        assertTrue(r.out().contains("skipped 6 (listed on stderr)"), r.toString());

        r = cli(withDevices(
                images,
                "import",
                "--prefix",
                "f",
                "--follow-symlinks",
                dir.resolve("src").toString()));
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(names().contains("f/outside"), names().toString());
    }

    @Test
    void twoSourcesWithOneNameAreNamedAsSuch() throws Exception {
        final Path a = TestImages.randomFile(dir.resolve("a/x.ts"), 10, 1);
        final Path b = TestImages.randomFile(dir.resolve("b/x.ts"), 20, 2);
        final CliResult r = cli(withDevices(images, "import", a.toString(), b.toString()));
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.err().contains("two sources map to the name 'x.ts': " + a + " and " + b), r.toString());
        assertTrue(!r.err().contains("already in the catalogue"), r.toString());
    }
}
