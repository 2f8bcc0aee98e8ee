package dev.atlas.bench.sealing;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./atlas bench sealing}: runs {@link SealingBenchmarks} with JMH (one thread, GC
 * profiler), prints the table and writes it to {@code bench/results/<timestamp>/sealing.md}.
 */
@Command(
        name = "sealing",
        mixinStandardHelpOptions = true,
        description = "JMH: GB/s per core and bytes allocated per 16 KiB TLS 1.3 AES-128-GCM record, per engine,"
                + " against SunJCE on a byte[].")
public final class SealingBench implements Callable<Integer> {
    @Option(names = "--forks", defaultValue = "1", description = "JMH forks per case; default ${DEFAULT-VALUE}.")
    int forks;

    @Option(
            names = "--warmup-iterations",
            defaultValue = "3",
            description = "Warm-up iterations per fork; default ${DEFAULT-VALUE}.")
    int warmupIterations;

    @Option(
            names = "--iterations",
            defaultValue = "5",
            description = "Measured iterations per fork; default ${DEFAULT-VALUE}.")
    int iterations;

    @Option(
            names = "--iteration-ms",
            defaultValue = "1000",
            description = "Length of each iteration in milliseconds; default ${DEFAULT-VALUE}."
                    + " A longer run for a quiet machine: --forks 3 --iterations 10 --iteration-ms 2000.")
    int iterationMillis;

    @Option(
            names = "--interleaved-rounds",
            defaultValue = "200",
            description =
                    "Rounds of the interleaved CPU-time comparison after JMH (0 skips it); default ${DEFAULT-VALUE}.")
    int interleavedRounds;

    @Option(
            names = "--out",
            description =
                    "Results root; a <timestamp> directory is made in it. Default: bench/results of the checkout.")
    Path out;

    /** How long a run takes and how it is measured. */
    record Settings(int forks, int warmupIterations, int iterations, int iterationMillis) {
        String describe() {
            return String.format(
                    Locale.ROOT,
                    "%d fork(s), %d × %d ms warm-up, %d × %d ms measured, 1 thread, GC profiler",
                    forks,
                    warmupIterations,
                    iterationMillis,
                    iterations,
                    iterationMillis);
        }
    }

    @Override
    public Integer call() throws IOException, RunnerException, java.security.GeneralSecurityException {
        final Settings settings = new Settings(forks, warmupIterations, iterations, iterationMillis);
        final Path root =
                out != null ? out : Path.of(System.getenv().getOrDefault("ATLAS_HOME", "."), "bench", "results");
        final String load = loadAverage();
        final List<SealingRow> rows = measure(settings);
        final List<SealingRow> interleaved =
                interleavedRounds > 0 ? interleaved(30_000, interleavedRounds, 2000) : List.of();
        final SealingTable table = new SealingTable(rows, interleaved, settings.describe(), load, loadAverage());
        final Path file = table.write(
                root.resolve(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))));
        System.out.println();
        System.out.print(table.markdown());
        System.out.println();
        System.out.println("written to " + file);
        return 0;
    }

    /** Runs every case under {@code settings} and returns one row per case, the baseline first. */
    static List<SealingRow> measure(Settings settings) throws RunnerException {
        final Options options = new OptionsBuilder()
                .include(SealingBenchmarks.class.getName() + "\\.")
                .forks(settings.forks())
                .warmupIterations(settings.warmupIterations())
                .warmupTime(TimeValue.milliseconds(settings.iterationMillis()))
                .measurementIterations(settings.iterations())
                .measurementTime(TimeValue.milliseconds(settings.iterationMillis()))
                .threads(1)
                .mode(org.openjdk.jmh.annotations.Mode.Throughput)
                .timeUnit(TimeUnit.SECONDS)
                .addProfiler(GCProfiler.class)
                // The flags every Atlas JVM runs with (FFM needs native access), and a heap of its own size.
                .jvmArgs(
                        "--enable-native-access=ALL-UNNAMED",
                        "--add-exports",
                        "java.base/jdk.internal.misc=ALL-UNNAMED",
                        "-XX:+UseParallelGC",
                        "-Xms512m",
                        "-Xmx512m")
                .shouldFailOnError(true)
                .build();
        final Collection<RunResult> results = new Runner(options).run();
        final List<SealingRow> rows = new ArrayList<>();
        for (RunResult result : results) {
            final String method = result.getParams().getBenchmark();
            final String name = method.endsWith(".jceOnByteArray")
                    ? SealingCase.BASELINE
                    : result.getParams().getParam("path");
            final Result<?> score = result.getPrimaryResult();
            final Result<?> allocated = result.getSecondaryResults().get("gc.alloc.rate.norm");
            if (allocated == null) {
                throw new IllegalStateException("JMH's GC profiler reported no gc.alloc.rate.norm for " + name);
            }
            rows.add(new SealingRow(
                    SealingCase.of(name),
                    score.getScore() * SealingBenchmarks.PLAINTEXT / 1e9,
                    Double.isNaN(score.getScoreError()) ? 0 : score.getScoreError() * SealingBenchmarks.PLAINTEXT / 1e9,
                    allocated.getScore()));
        }
        rows.sort((a, b) ->
                Integer.compare(a.sealingCase().ordinal(), b.sealingCase().ordinal()));
        return rows;
    }

    /** {@link InterleavedComparison} after {@code warmUp} records per case, {@code rounds} turns of {@code records}. */
    static List<SealingRow> interleaved(int warmUp, int rounds, int records)
            throws java.security.GeneralSecurityException {
        System.out.printf("interleaved comparison: %d rounds of %d records per case, by CPU time%n", rounds, records);
        final InterleavedComparison comparison = new InterleavedComparison();
        try {
            return comparison.run(warmUp, rounds, records);
        } finally {
            comparison.close();
        }
    }

    private static String loadAverage() {
        final double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return load < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f", load);
    }
}
