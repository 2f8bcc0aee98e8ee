package dev.atlas.bench.tcp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Atlas server ({@code dev.atlas.server.ServeCommand}, on a catalogue or with {@code --pattern})
 * running as a child JVM inside a network namespace. Its counters come from the stats file the server rewrites every
 * {@link #STATS_INTERVAL_MS} ms; its CPU time from {@code /proc/<pid>/stat}. {@link #close()}
 * sends SIGTERM (the server prints its counters and exits 0) and waits.
 */
public final class AtlasServerProcess implements AutoCloseable {
    public static final int STATS_INTERVAL_MS = 200;
    private static final String MAIN = "dev.atlas.server.ServeCommand";
    /** USER_HZ: the unit of utime/stime in /proc/<pid>/stat on Linux. */
    private static final int CLOCK_TICKS_PER_SECOND = 100;

    private static final int UTIME_FIELD = 14;
    private static final int STIME_FIELD = 15;

    private final Process process;
    private final Path statsFile;
    private final Path logFile;
    private String namespace;

    private AtlasServerProcess(Process process, Path statsFile, Path logFile) {
        this.process = process;
        this.statsFile = statsFile;
        this.logFile = logFile;
    }

    /**
     * Starts the pattern server in {@code namespace} on {@code iface} owning {@code addressCidr}
     * (e.g. {@code 198.18.0.2/24}); {@code extraArgs} go to ServeCommand (e.g. {@code --lanes 2}).
     * The classpath is this JVM's, which holds atlas-server and its dependencies.
     */
    public static AtlasServerProcess start(
            String namespace, String iface, String addressCidr, List<String> extraArgs, Path workDir)
            throws IOException {
        final List<String> args = new ArrayList<>(List.of("--pattern"));
        args.addAll(extraArgs);
        return launch(namespace, iface, addressCidr, args, workDir);
    }

    /**
     * Starts the catalogue server on {@code devices} (an access log in {@code workDir}, the
     * management server on {@link #MANAGEMENT} inside the namespace); {@code extraArgs} go to
     * ServeCommand after them (e.g. {@code --transport emulated}).
     */
    public static AtlasServerProcess startCatalogue(
            String namespace,
            String iface,
            String addressCidr,
            List<Path> devices,
            List<String> extraArgs,
            Path workDir)
            throws IOException {
        final List<String> args = new ArrayList<>();
        for (Path device : devices) {
            args.add("--device");
            args.add(device.toAbsolutePath().toString());
        }
        args.addAll(List.of(
                "--management",
                MANAGEMENT,
                "--access-log",
                workDir.resolve("access.log").toString()));
        args.addAll(extraArgs);
        final AtlasServerProcess server = launch(namespace, iface, addressCidr, args, workDir);
        server.namespace = namespace;
        return server;
    }

    private static AtlasServerProcess launch(
            String namespace, String iface, String addressCidr, List<String> args, Path workDir) throws IOException {
        Files.createDirectories(workDir);
        final Path stats = workDir.resolve("server-stats.txt");
        final Path log = workDir.resolve("server.log");
        Files.deleteIfExists(stats);
        final List<String> command = serveCommand(namespace);
        command.addAll(List.of(
                "--interface",
                iface,
                "--address",
                addressCidr,
                "--stats-file",
                stats.toString(),
                "--stats-interval-ms",
                Integer.toString(STATS_INTERVAL_MS)));
        command.addAll(args);
        final Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new AtlasServerProcess(process, stats, log);
    }

    /**
     * {@code atlas serve} in {@code namespace} on this JVM's Java and class path, with the flags
     * the server needs (native access, the exported misc package) and a modest heap: the command
     * to which the caller appends the server's options.
     */
    public static List<String> serveCommand(String namespace) {
        return new ArrayList<>(List.of(
                "ip",
                "netns",
                "exec",
                namespace,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "--add-exports",
                "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-XX:+UseParallelGC",
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                MAIN));
    }

    /** The management server's address inside the server's namespace (catalogue servers). */
    public static final String MANAGEMENT = "127.0.0.1:9100";

    /** {@code http://127.0.0.1:9100} + path: reach it with {@code ip netns exec <namespace()> curl}. */
    public String managementUrl(String path) {
        return "http://" + MANAGEMENT + path;
    }

    /** The namespace a catalogue server runs in (null for a pattern server). */
    public String namespace() {
        return namespace;
    }

    /** The access log of a catalogue server. */
    public Path accessLog() {
        return logFile.resolveSibling("access.log");
    }

    /** Waits for the server to exit by itself (after a drain); its exit code, or -1 if it still runs. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** Waits until the server has written its first stats (its lanes run); throws with its log if it died. */
    public AtlasServerProcess awaitReady(Duration timeout) throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(
                        "Atlas server exited with " + process.exitValue() + " before it was ready:\n" + logTail());
            }
            if (Files.exists(statsFile)) {
                return this;
            }
            Thread.sleep(50);
        }
        throw new IOException("Atlas server not ready after " + timeout + ":\n" + logTail());
    }

    /** The server's latest counters ({@code tcp.*}, {@code lane.*}, {@code frame.*}, summed over lanes). */
    public Map<String, Long> stats() throws IOException {
        final Map<String, Long> values = new HashMap<>();
        final List<String> lines;
        try {
            lines = Files.readAllLines(statsFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return values;
        }
        for (String line : lines) {
            final int eq = line.indexOf('=');
            if (eq > 0) {
                try {
                    values.put(
                            line.substring(0, eq).trim(),
                            Long.parseLong(line.substring(eq + 1).trim()));
                } catch (NumberFormatException ignored) {
                    // text values (backend name…) are not counters
                }
            }
        }
        return values;
    }

    /** One counter, 0 when absent. */
    public long stat(String key) throws IOException {
        return stats().getOrDefault(key, 0L);
    }

    /** Waits for fresh stats (two intervals) so counters reflect what just happened. */
    public Map<String, Long> freshStats() throws IOException, InterruptedException {
        Thread.sleep(2L * STATS_INTERVAL_MS + 50);
        return stats();
    }

    /** CPU seconds (user + system) the server process has used so far. */
    public double cpuSeconds() throws IOException {
        final String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
        // Field 2 (comm) may contain spaces; count fields after its closing parenthesis.
        final String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        final long ticks = Long.parseLong(rest[UTIME_FIELD - 3]) + Long.parseLong(rest[STIME_FIELD - 3]);
        return (double) ticks / CLOCK_TICKS_PER_SECOND;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The last lines the server wrote, for failure messages. */
    public String logTail() {
        try {
            final List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no server log at " + logFile + ")";
        }
    }

    /** Stops the server with SIGTERM; returns its exit code (or -1 when it had to be killed). */
    public int stop() throws InterruptedException {
        if (!process.isAlive()) {
            return process.exitValue();
        }
        process.destroy();
        if (process.waitFor(15, TimeUnit.SECONDS)) {
            return process.exitValue();
        }
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
        return -1;
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
