package dev.atlas.bench.catalogue;

import dev.atlas.bench.diskmap.ByteSize;
import dev.atlas.catalogue.CatalogueFormatter;
import dev.atlas.catalogue.CatalogueWriter;
import dev.atlas.catalogue.ImportItem;
import dev.atlas.catalogue.Progress;
import dev.atlas.catalogue.Sizes;
import dev.atlas.catalogue.error.CatalogueException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./atlas bench import}: writes the sources with O_DIRECT, then per run copies the same
 * bytes twice onto fresh sparse images — with {@code dd iflag=direct oflag=direct} (one dd per
 * file, one {@code sync -d} at the end) and with the catalogue import (open, import, commit,
 * in this JVM) — alternating which goes first. Prints one row per copy, the p50 MB/s of each and,
 * as the last line, {@code ratio=<import MB/s ÷ dd MB/s>} of the p50s.
 */
@Command(
        name = "import",
        mixinStandardHelpOptions = true,
        description = "Catalogue import vs dd (O_DIRECT in and out) of the same bytes in the same run.")
public final class ImportBench implements Callable<Integer> {
    static final String DD = "dd";
    static final String IMPORT = "import";
    /** Room for two superblocks and the index beside the data (generous: a few KiB per file). */
    private static final long CATALOGUE_OVERHEAD_BYTES = 16L << 20;

    private static final long PER_FILE_OVERHEAD_BYTES = 4096;
    /** File systems whose "disk" is RAM (tmpfs even accepts O_DIRECT on recent kernels). */
    private static final Set<String> MEMORY_FILE_SYSTEMS = Set.of("tmpfs", "ramfs");

    @Spec
    CommandSpec spec;

    @Option(
            names = "--dir",
            paramLabel = "DIR",
            description = "scratch directory on the disk to measure (default: bench/target/import-bench)")
    Path dir;

    @Option(
            names = "--size",
            defaultValue = "1g",
            converter = ByteSize.class,
            description = "bytes to copy per run, all files together (default: ${DEFAULT-VALUE})")
    long size;

    @Option(
            names = "--files",
            defaultValue = "1",
            description = "1 for one big file, N for HLS-like segments of varying size summing to --size"
                    + " (default: ${DEFAULT-VALUE})")
    int files;

    @Option(names = "--runs", defaultValue = "3", description = "runs of each tool (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--dd", defaultValue = "dd", description = "dd executable")
    String dd;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the file sizes and contents")
    long seed;

    @Option(names = "--keep", description = "keep the sources and images afterwards")
    boolean keep;

    @Override
    public Integer call() {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter log = spec.commandLine().getErr();
        if (runs < 1 || files < 1 || size / files < SourceSet.ALIGNMENT) {
            log.println("atlas bench import: --runs ≥ 1, --files ≥ 1 and at least 4 KiB per file (--size ÷ --files)"
                    + " please");
            log.flush();
            return 2;
        }
        final Path base = (dir != null ? dir : defaultDirectory()).toAbsolutePath();
        Path work = null;
        try {
            if (Files.exists(base) && !Files.isDirectory(base)) {
                throw new IOException(base + " is not a directory; give --dir a directory on the disk to measure");
            }
            Files.createDirectories(base);
            final String fileSystem = Files.getFileStore(base).type();
            if (MEMORY_FILE_SYSTEMS.contains(fileSystem)) {
                throw new IOException(base + " is on " + fileSystem + ", which keeps files in memory: there is no disk"
                        + " to measure; choose a --dir on a disk file system such as ext4 or xfs");
            }
            final long needed = size * 3 + CATALOGUE_OVERHEAD_BYTES + files * PER_FILE_OVERHEAD_BYTES * 3;
            if (Files.getFileStore(base).getUsableSpace() < needed) {
                throw new IOException(base + " has "
                        + Sizes.human(Files.getFileStore(base).getUsableSpace())
                        + " free but the sources and two images need " + Sizes.human(needed) + "; free space, lower"
                        + " --size or choose another --dir");
            }
            work = Files.createTempDirectory(base, "import-bench-");
            log.printf(
                    "writing %d source file(s), %s in all, with O_DIRECT under %s%n", files, Sizes.human(size), work);
            log.flush();
            final SourceSet sources = SourceSet.create(work.resolve("src"), size, files, seed);
            final DdCopy ddCopy = new DdCopy(dd);
            log.println("  dd baseline: " + ddCopy.command(sources.sources().get(0), work.resolve("dd.img"))
                    + (files > 1 ? " … (one per file)" : "") + "; sync -d " + work.resolve("dd.img"));
            log.println("  import: CatalogueWriter.open + importFiles + commit on a freshly formatted image"
                    + " (like: atlas catalogue import -d IMG " + sources.root() + ")");
            log.flush();

            final List<Timing> timings = new ArrayList<>();
            for (int run = 1; run <= runs; run++) {
                final boolean ddFirst = run % 2 == 1;
                for (int turn = 0; turn < 2; turn++) {
                    final boolean ddTurn = (turn == 0) == ddFirst;
                    final Timing t = ddTurn
                            ? timeDd(run, ddCopy, sources, work.resolve("dd.img"))
                            : timeImport(run, sources, work.resolve("catalogue.img"));
                    log.printf("  run %d %-6s %.1f MB/s%n", run, t.tool(), t.megabytesPerSecond());
                    log.flush();
                    timings.add(t);
                }
            }
            final double ddMedian = Timing.medianMegabytesPerSecond(timings, DD);
            final double importMedian = Timing.medianMegabytesPerSecond(timings, IMPORT);
            out.printf(
                    Locale.ROOT,
                    "import bench: %d file(s), %s per run, %d run(s), O_DIRECT sources, fresh sparse"
                            + " images under %s%n",
                    files,
                    Sizes.human(sources.totalBytes()),
                    runs,
                    base);
            out.println(Timing.header());
            for (Timing t : timings) {
                out.println(t.row());
            }
            out.println(Timing.medianRow(DD, ddMedian));
            out.println(Timing.medianRow(IMPORT, importMedian));
            out.printf(Locale.ROOT, "ratio=%.3f%n", importMedian / ddMedian);
            out.flush();
            return 0;
        } catch (IOException | CatalogueException | IllegalArgumentException e) {
            log.println("atlas bench import: " + e.getMessage());
            log.flush();
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.println("atlas bench import: interrupted");
            log.flush();
            return 1;
        } finally {
            if (work != null && !keep) {
                deleteTree(work, log);
            }
        }
    }

    private Timing timeDd(int run, DdCopy ddCopy, SourceSet sources, Path image)
            throws IOException, InterruptedException {
        freshImage(image, sources.alignedBytes());
        final long cachedBefore = cachedBytes();
        final double seconds = ddCopy.run(sources, image);
        final Timing t = new Timing(run, DD, sources.totalBytes(), seconds, cachedBytes() - cachedBefore);
        Files.delete(image);
        return t;
    }

    private Timing timeImport(int run, SourceSet sources, Path image) throws IOException {
        freshImage(
                image,
                sources.alignedBytes()
                        + CATALOGUE_OVERHEAD_BYTES
                        + sources.sources().size() * PER_FILE_OVERHEAD_BYTES);
        CatalogueFormatter.format(List.of(image), false);
        final List<ImportItem> items = ImportItem.collect(List.of(sources.root()), null);
        final long cachedBefore = cachedBytes();
        final long start = System.nanoTime();
        try (CatalogueWriter writer = CatalogueWriter.open(List.of(image))) {
            writer.importFiles(items, Progress.NONE);
            writer.commit();
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        final Timing t = new Timing(run, IMPORT, sources.totalBytes(), seconds, cachedBytes() - cachedBefore);
        Files.delete(image);
        return t;
    }

    /** A new sparse file: both tools write into unallocated blocks, as onto a fresh image. */
    private static void freshImage(Path image, long bytes) throws IOException {
        Files.deleteIfExists(image);
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(bytes);
        }
    }

    /** Where the scratch files go without --dir: the bench module's target/ (the launcher sets ATLAS_HOME). */
    static Path defaultDirectory() {
        final String home = System.getenv("ATLAS_HOME");
        return home != null ? Path.of(home, "bench", "target", "import-bench") : Path.of("target", "import-bench");
    }

    static long cachedBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("Cached:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("/proc/meminfo has no Cached: line");
    }

    private static void deleteTree(Path root, PrintWriter log) {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.println("atlas bench import: could not remove " + root + ": " + e.getMessage());
            log.flush();
        }
    }
}
