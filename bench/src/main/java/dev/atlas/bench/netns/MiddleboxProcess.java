package dev.atlas.bench.netns;

import dev.atlas.bench.middlebox.Middlebox;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A delay {@link Middlebox} running as its own JVM inside the mbox namespace
 * ({@code ip netns exec} execs the JVM, so the PID is the middlebox's). Its output goes to a
 * log file; {@link #close()} stops it with SIGTERM, after which the log holds its counters.
 */
public final class MiddleboxProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Process process;
    private final Path log;
    private final boolean ownLog;

    private MiddleboxProcess(Process process, Path log, boolean ownLog) {
        this.process = process;
        this.log = log;
        this.ownLog = ownLog;
    }

    /**
     * Starts a middlebox in {@code namespace} and waits until it reports ready. {@code log} may be
     * null (a temporary file is used and deleted on close).
     */
    public static MiddleboxProcess start(
            String namespace, List<Integer> delayBandsMillis, double loss, long seed, Path log) {
        try {
            boolean own = log == null;
            Path out = own ? Files.createTempFile("atlas-middlebox-", ".log") : log;
            List<String> command = new ArrayList<>(List.of(
                    "ip",
                    "netns",
                    "exec",
                    namespace,
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED",
                    "-XX:+UseSerialGC",
                    "-Xmx192m",
                    "-cp",
                    System.getProperty("java.class.path"),
                    Middlebox.class.getName(),
                    "--in",
                    Topology.MBOX_CLIENT_PORT,
                    "--out",
                    Topology.MBOX_SERVER_PORT,
                    "--delay-bands",
                    delayBandsMillis.stream().map(String::valueOf).collect(Collectors.joining(",")),
                    "--loss",
                    String.format(Locale.ROOT, "%.6f", loss),
                    "--seed",
                    Long.toString(seed)));
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                    .start();
            MiddleboxProcess m = new MiddleboxProcess(p, out, own);
            m.awaitReady();
            return m;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the middlebox in " + namespace + ": " + e.getMessage(), e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            String text = output();
            if (text.contains(Middlebox.READY_LINE)) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("the middlebox exited (status " + process.exitValue()
                        + ") before it was ready: " + text.strip());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException(
                "the middlebox did not report ready within " + READY_TIMEOUT.toSeconds() + " s: " + output().strip());
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    /** Everything the middlebox printed so far. */
    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Stops the middlebox (SIGTERM, then SIGKILL after 10 s) and returns its output, which ends
     * with its counters.
     */
    public String stop() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return output();
    }

    @Override
    public void close() {
        stop();
        if (ownLog) {
            try {
                Files.deleteIfExists(log);
            } catch (IOException ignored) {
                // A leftover temp file is harmless.
            }
        }
    }
}
