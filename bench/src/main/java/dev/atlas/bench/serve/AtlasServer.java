package dev.atlas.bench.serve;

import dev.atlas.bench.tcp.AtlasServerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Atlas appliance ({@code ServeCommand} on the content's catalogue image) as a child JVM in the
 * server namespace, owning the stack address on the server veth. Counters come from the stats file it
 * rewrites every {@value #STATS_INTERVAL_MS} ms; CPU from {@code /proc/PID/stat} of the whole JVM
 * (lanes, GC and compiler threads alike, as for nginx's processes).
 */
final class AtlasServer implements MeasuredServer {
    static final int STATS_INTERVAL_MS = 200;
    /** The sealing engines {@code --sealer} takes ({@code auto}: the server measures both at start and keeps the faster). */
    static final List<String> SEALERS = List.of("auto", "sunjce", "openssl");

    /** Bytes the drive read into the chunks held now (a buffer has room for four records; only what was read is touched). */
    private static final String BYTES_HELD = "disk.bytesHeld";

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final ServerKind kind;
    private final String host;
    private final Process process;
    private final Path stats;
    private final Path log;
    private final String commandLine;
    private long peakBytesHeld;

    private AtlasServer(ServerKind kind, String host, Process process, Path stats, Path log, String commandLine) {
        this.kind = kind;
        this.host = host;
        this.process = process;
        this.stats = stats;
        this.log = log;
        this.commandLine = commandLine;
    }

    /**
     * The arguments that make the server speak HTTPS on {@link ServerKind#port()} with the run's certificate, beside
     * HTTP on its usual port, sealing records with {@code sealer}.
     */
    static List<String> httpsArguments(RunCertificate certificate, String sealer) {
        return List.of(
                "--tls-cert",
                certificate.chain().toString(),
                "--tls-key",
                certificate.key().toString(),
                "--tls-port",
                Integer.toString(ServerKind.ATLAS_HTTPS.port()),
                "--sealer",
                sealer);
    }

    static AtlasServer start(
            ServerKind kind,
            String namespace,
            String iface,
            String addressCidr,
            Path image,
            List<String> extraArgs,
            Path workDir)
            throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        final Path stats = workDir.resolve("atlas-stats.txt");
        final Path log = workDir.resolve("atlas-" + kind.id() + ".log");
        Files.deleteIfExists(stats);
        final List<String> command = AtlasServerProcess.serveCommand(namespace);
        command.addAll(List.of(
                "--interface",
                iface,
                "--address",
                addressCidr,
                "--device",
                image.toString(),
                "--lanes",
                Integer.toString(kind.lanes()),
                "--management",
                "127.0.0.1:9100",
                "--stats-file",
                stats.toString(),
                "--stats-interval-ms",
                Integer.toString(STATS_INTERVAL_MS)));
        command.addAll(extraArgs);
        final Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        final String shown =
                String.join(" ", command).replace(System.getProperty("java.class.path"), "<bench classpath>");
        final AtlasServer server =
                new AtlasServer(kind, addressCidr.substring(0, addressCidr.indexOf('/')), process, stats, log, shown);
        try {
            server.awaitReady();
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void awaitReady() throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("Atlas (" + kind.id() + ") exited with status " + process.exitValue()
                        + " before it served; its log " + log + " ends:\n" + logTail());
            }
            if (Files.exists(stats)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IOException("Atlas (" + kind.id() + ") was not ready after " + READY_TIMEOUT.toSeconds()
                + " s; its log " + log + " ends:\n" + logTail());
    }

    @Override
    public ServerKind kind() {
        return kind;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public double cpuSeconds() {
        return HostSample.processCpuSeconds(process.pid());
    }

    @Override
    public Map<String, Long> counters() {
        final Map<String, Long> values = new HashMap<>();
        final List<String> lines;
        try {
            lines = Files.readAllLines(stats, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return values;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read Atlas's stats file " + stats + ": " + e.getMessage(), e);
        }
        for (String line : lines) {
            final int eq = line.indexOf('=');
            if (eq > 0) {
                try {
                    values.put(
                            line.substring(0, eq),
                            Long.parseLong(line.substring(eq + 1).strip()));
                } catch (NumberFormatException textValue) {
                    // Not a counter.
                }
            }
        }
        return values;
    }

    @Override
    public void sample() {
        peakBytesHeld = Math.max(peakBytesHeld, counters().getOrDefault(BYTES_HELD, 0L));
    }

    /** {@code pipelineWorkingSetBytes}: the most chunk buffers in use at once since the last call, times their size. */
    @Override
    public Map<String, Long> takePeaks() {
        final Map<String, Long> peaks = Map.of("pipelineWorkingSetBytes", peakBytesHeld);
        peakBytesHeld = 0;
        return peaks;
    }

    @Override
    public String commandLine() {
        return commandLine;
    }

    /** The counters are fresh: waits two stats intervals so a finished run's last bytes are in them. */
    void awaitFreshCounters() throws InterruptedException {
        Thread.sleep(2L * STATS_INTERVAL_MS + 50);
    }

    /**
     * What the server said about its sealing engine at start ({@code auto}: which it chose and the speeds it measured),
     * or null before it said anything.
     */
    String sealerReport() {
        final String marker = "(sealer ";
        try {
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                final int at = line.indexOf(marker);
                final int lanes = line.indexOf("), ", at);
                if (at >= 0 && lanes > at) {
                    return line.substring(at + marker.length(), lanes);
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    String logTail() {
        try {
            final List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
