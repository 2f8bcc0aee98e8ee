package dev.atlas.catalogue;

import static org.junit.jupiter.api.Assertions.fail;

import dev.atlas.catalogue.cli.CatalogueCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Test support: scratch directories under the module's {@code target/} (a disk file system, so
 * O_DIRECT works — never tmpfs), image files, tools, and in-process CLI runs.
 */
public final class TestImages {

    private static final Path ROOT = Path.of("target", "catalogue-test");

    private TestImages() {}

    /** A fresh, uniquely named scratch directory. */
    public static Path scratch(String prefix) throws IOException {
        Files.createDirectories(ROOT);
        return Files.createTempDirectory(ROOT, prefix + "-").toAbsolutePath();
    }

    /** A sparse image file of {@code bytes} bytes. */
    public static Path image(Path dir, String name, long bytes) throws IOException {
        final Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(bytes);
        }
        return p;
    }

    /** A file of seeded pseudo-random bytes. */
    public static Path randomFile(Path file, long bytes, long seed) throws IOException {
        Files.createDirectories(file.getParent());
        final Random random = new Random(seed);
        final byte[] data = new byte[(int) bytes];
        random.nextBytes(data);
        Files.write(file, data);
        return file;
    }

    public static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** True in CI, where a missing prerequisite is a failure rather than a skip. */
    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Fails in CI, skips elsewhere, when {@code tool} is not on the PATH. */
    public static void requireTool(String tool) {
        final boolean present = Stream.of(
                        System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
        if (!present) {
            final String why = tool + " is not installed (./atlas test installs it; apt-get install "
                    + ("ffmpeg".equals(tool) ? "ffmpeg" : tool) + ")";
            if (inCi()) {
                fail(why);
            }
            Assumptions.assumeTrue(false, why);
        }
    }

    /** A condition the test needs of the machine: skipped without it on a developer machine, failed in CI. */
    public static void requireMachine(boolean condition, String why) {
        if (!condition) {
            if (inCi()) {
                fail(why);
            }
            Assumptions.assumeTrue(false, why);
        }
    }

    /** Output of one in-process CLI run. */
    public record CliResult(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** Runs {@code atlas-catalogue args…} in this JVM, capturing stdout and stderr. */
    public static synchronized CliResult cli(String... args) {
        final PrintStream oldOut = System.out;
        final PrintStream oldErr = System.err;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            final int code = CatalogueCli.run(args);
            o.flush();
            e.flush();
            return new CliResult(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Prepends {@code -d image} for each image to a command's arguments. */
    public static String[] withDevices(Path[] images, String... args) {
        final String[] all = new String[args.length + images.length * 2];
        int i = 0;
        all[i++] = args[0];
        for (Path image : images) {
            all[i++] = "-d";
            all[i++] = image.toString();
        }
        System.arraycopy(args, 1, all, i, args.length - 1);
        return all;
    }
}
