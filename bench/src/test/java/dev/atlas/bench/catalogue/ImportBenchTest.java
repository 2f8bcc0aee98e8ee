package dev.atlas.bench.catalogue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.atlas.bench.BenchCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The import benchmark's pieces, its operator errors, and one short end-to-end run against dd. */
class ImportBenchTest {

    /** Output of one in-process {@code atlas bench …} run. */
    private record Run(int exit, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    private static Run bench(String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cli = new CommandLine(new BenchCli());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        final int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** target/ is on the checkout's disk; /tmp may be a tmpfs elsewhere, which is memory, not a disk. */
    private static Path scratch() throws IOException {
        return Files.createDirectories(Path.of("target", "import-bench-test").toAbsolutePath());
    }

    @Test
    void segmentSizesVaryAndSumToTheTotal() {
        final long total = 64L << 20;
        final long[] sizes = SourceSet.sizes(total, 50, 7);
        assertEquals(total, java.util.Arrays.stream(sizes).sum());
        final long mean = total / 50;
        long smallest = Long.MAX_VALUE;
        long largest = 0;
        for (long s : sizes) {
            smallest = Math.min(smallest, s);
            largest = Math.max(largest, s);
        }
        assertTrue(smallest >= mean / 3 && largest <= mean * 2, smallest + " … " + largest);
        assertTrue(largest - smallest > mean / 4, "an HLS-like mix, not equal sizes");
        assertEquals(1, SourceSet.sizes(total, 1, 7).length);
        assertEquals(total, SourceSet.sizes(total, 1, 7)[0]);
    }

    @Test
    void tableRowsAndMedians() {
        final List<Timing> timings = List.of(
                new Timing(1, ImportBench.DD, 1_000_000_000L, 2.0, 0),
                new Timing(1, ImportBench.IMPORT, 1_000_000_000L, 1.0, 5L << 20),
                new Timing(2, ImportBench.DD, 1_000_000_000L, 4.0, 0),
                new Timing(2, ImportBench.IMPORT, 1_000_000_000L, 1.25, 0),
                new Timing(3, ImportBench.DD, 1_000_000_000L, 1.0, 0),
                new Timing(3, ImportBench.IMPORT, 1_000_000_000L, 0.5, 0));
        assertEquals(500.0, Timing.medianMegabytesPerSecond(timings, ImportBench.DD), 1e-9);
        assertEquals(1000.0, Timing.medianMegabytesPerSecond(timings, ImportBench.IMPORT), 1e-9);
        assertEquals(375.0, Timing.medianMegabytesPerSecond(timings.subList(0, 4), ImportBench.DD), 1e-9);
        assertEquals(
                "1    import       1.000    1000.0             5",
                timings.get(1).row());
        assertTrue(Timing.header().startsWith("run  tool"), Timing.header());
        assertTrue(Timing.medianRow(ImportBench.DD, 500).matches("p50\\s+dd\\s+500\\.0"), Timing.medianRow("dd", 500));
    }

    @Test
    void ddScriptCopiesEachFileToItsAlignedOffsetAndSyncsOnce() throws Exception {
        final Path dir = Files.createTempDirectory(scratch(), "dd-script-");
        try {
            final SourceSet set = SourceSet.create(dir.resolve("src"), 3 * 4096 + 100, 3, 1);
            assertEquals(3 * 4096 + 100, set.totalBytes());
            assertEquals(0, set.sources().get(0).imageOffset());
            assertEquals(
                    SourceSet.align(set.sources().get(0).length()),
                    set.sources().get(1).imageOffset());
            final List<String> script = new DdCopy("dd").script(set, Path.of("/img/it's.img"));
            assertEquals("set -e", script.get(0));
            assertEquals(5, script.size());
            assertTrue(
                    script.get(2)
                            .matches("dd if='.*seg_00001\\.ts' of='/img/it'\\\\''s\\.img' bs=1M iflag=direct"
                                    + " oflag=direct,seek_bytes seek="
                                    + set.sources().get(1).imageOffset()
                                    + " conv=notrunc status=none"),
                    script.get(2));
            assertEquals("sync -d '/img/it'\\''s.img'", script.get(4));
        } finally {
            deleteTree(dir);
        }
    }

    @Test
    void shortRunPrintsBothToolsEachRunAndTheRatioLast() throws Exception {
        final Path dir = Files.createTempDirectory(scratch(), "e2e-");
        try {
            final Run run = bench("import", "--dir", dir.toString(), "--size", "64m", "--files", "6", "--runs", "2");
            assertEquals(0, run.exit(), run.toString());
            final List<String> lines = run.lines();
            assertTrue(lines.get(lines.size() - 1).matches("ratio=[0-9]+\\.[0-9]{3}"), run.toString());
            assertEquals(
                    2,
                    lines.stream()
                            .filter(l -> l.matches("[12]\\s+dd\\s+[0-9.]+\\s+[1-9][0-9.]*\\s+-?[0-9]+"))
                            .count(),
                    run.toString());
            assertEquals(
                    2,
                    lines.stream()
                            .filter(l -> l.matches("[12]\\s+import\\s+[0-9.]+\\s+[1-9][0-9.]*\\s+-?[0-9]+"))
                            .count(),
                    run.toString());
            assertEquals(2, lines.stream().filter(l -> l.startsWith("p50 ")).count(), run.toString());
            assertTrue(run.err().contains("iflag=direct oflag=direct"), "the log names the dd command: " + run);
            try (Stream<Path> left = Files.list(dir)) {
                assertEquals(0, left.count(), "sources and images are removed afterwards");
            }
        } finally {
            deleteTree(dir);
        }
    }

    @Test
    void usageErrorsAreSentences() {
        Run run = bench("import", "--files", "0");
        assertEquals(2, run.exit(), run.toString());
        assertTrue(run.err().contains("atlas bench import: --runs ≥ 1, --files ≥ 1"), run.toString());
        run = bench("import", "--size", "1m", "--files", "1000");
        assertEquals(2, run.exit(), run.toString());
        run = bench("import", "--size", "lots");
        assertEquals(2, run.exit(), run.toString());
    }

    @Test
    void aDirectoryInMemoryIsAClearSentenceNotAStackTrace() throws IOException {
        final Path shm = Path.of("/dev/shm");
        final boolean tmpfs =
                Files.isDirectory(shm) && "tmpfs".equals(Files.getFileStore(shm).type());
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(tmpfs, "no tmpfs at /dev/shm: CI runs every test");
        }
        assumeTrue(tmpfs, "no tmpfs at /dev/shm");
        final Path dir = Files.createTempDirectory(shm, "atlas-import-bench-");
        try {
            final Run run = bench("import", "--dir", dir.toString(), "--size", "8m", "--runs", "1");
            assertEquals(1, run.exit(), run.toString());
            assertTrue(
                    run.err().contains("atlas bench import: " + dir + " is on tmpfs, which keeps files in memory")
                            && !run.err().contains("\tat "),
                    run.toString());
            try (Stream<Path> left = Files.list(dir)) {
                assertEquals(0, left.count(), "nothing is left behind");
            }
        } finally {
            deleteTree(dir);
        }
    }

    @Test
    void aFileAsDirIsAClearSentence() throws IOException {
        final Path file = Files.createTempFile(scratch(), "not-a-dir", ".txt");
        try {
            final Run run = bench("import", "--dir", file.toString(), "--size", "8m");
            assertEquals(1, run.exit(), run.toString());
            assertTrue(run.err().contains("atlas bench import: " + file + " is not a directory"), run.toString());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }
}
