package dev.atlas.bench.serve;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One wrk run in the client namespace with the bench's Lua script: random chunks of one content
 * case over persistent connections, for a fixed time. The run is bounded: wrk gets its duration
 * plus a grace period, then it and its shell are killed by PID.
 */
final class WrkLoad {
    static final String SCRIPT = "random-chunks.lua";
    /** wrk has no TLS options: OpenSSL's configuration file holds its HTTPS runs to TLS 1.3 with AES-128-GCM. */
    static final String OPENSSL_CONFIG = "wrk-openssl.cnf";
    /** A request with no answer after this long is a timeout (wrk's own limit). */
    static final int REQUEST_TIMEOUT_SECONDS = 10;

    private static final int GRACE_SECONDS = 30;
    private static final int MAX_THREADS = 2;
    /** Open files wrk may use: one per connection and some. */
    private static final int FILE_LIMIT = 20000;

    private final String namespace;
    private final Path script;
    private final Path opensslConfig;
    private final Cleanup cleanup;

    /** {@code cleanup} kills a running wrk if the bench is stopped while it runs. */
    WrkLoad(String namespace, Path workDir, Cleanup cleanup) throws IOException {
        this.namespace = namespace;
        this.cleanup = cleanup;
        this.script = copyResource(SCRIPT, workDir);
        this.opensslConfig = copyResource(OPENSSL_CONFIG, workDir);
    }

    private static Path copyResource(String name, Path dir) throws IOException {
        try (InputStream in = WrkLoad.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("the wrk file " + name + " is missing from the bench jar");
            }
            final Path file = dir.resolve(name);
            Files.write(file, in.readAllBytes());
            return file;
        }
    }

    /** What to run: connections, seconds, which chunks, on which server. */
    record Spec(String baseUrl, ContentCase contentCase, int chunks, int connections, int seconds, long seed) {
        int threads() {
            return Math.min(MAX_THREADS, connections);
        }
    }

    /** Observes a run while it goes: called every {@code periodMillis} with the seconds since wrk started. */
    @FunctionalInterface
    interface Observer {
        void tick(double secondsIn) throws IOException, InterruptedException;
    }

    /** The wrk command line (inside the namespace, under a shell that reports its CPU time). */
    List<String> command(Spec spec) {
        final String wrk = String.format(
                Locale.ROOT,
                "%swrk -t %d -c %d -d %ds --timeout %ds -s '%s' '%s/' -- '%s' %d %d",
                spec.baseUrl().startsWith("https:") ? "OPENSSL_CONF='" + opensslConfig + "' " : "",
                spec.threads(),
                spec.connections(),
                spec.seconds(),
                REQUEST_TIMEOUT_SECONDS,
                script,
                spec.baseUrl(),
                ContentSet.urlPrefix(spec.contentCase()),
                spec.chunks(),
                spec.seed());
        return List.of(
                "ip",
                "netns",
                "exec",
                namespace,
                "sh",
                "-c",
                "ulimit -n " + FILE_LIMIT + " 2>/dev/null; " + wrk + "; status=$?; times; exit $status");
    }

    WrkReport run(Spec spec, Observer observer, int periodMillis) throws IOException, InterruptedException {
        final Process process =
                new ProcessBuilder(command(spec)).redirectErrorStream(true).start();
        final Cleanup.Step killWrk = () -> kill(process);
        cleanup.add(process, killWrk);
        try {
            return await(spec, process, observer, periodMillis);
        } finally {
            cleanup.runNow(killWrk);
        }
    }

    private WrkReport await(Spec spec, Process process, Observer observer, int periodMillis)
            throws IOException, InterruptedException {
        final CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = process.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(output lost: " + e.getMessage() + ")";
            }
        });
        final long start = System.nanoTime();
        final long deadline = start + TimeUnit.SECONDS.toNanos(spec.seconds() + GRACE_SECONDS);
        try {
            while (!process.waitFor(periodMillis, TimeUnit.MILLISECONDS)) {
                if (System.nanoTime() > deadline) {
                    kill(process);
                    throw new IOException(
                            "wrk did not finish within " + (spec.seconds() + GRACE_SECONDS) + " s; killed it");
                }
                observer.tick((System.nanoTime() - start) / 1e9);
            }
        } catch (InterruptedException | IOException | RuntimeException e) {
            kill(process);
            throw e;
        }
        final String text = output.join();
        if (process.exitValue() != 0) {
            throw new IOException("wrk exited with status " + process.exitValue() + ":\n" + text.strip());
        }
        return WrkReport.parse(text);
    }

    private static void kill(Process process) {
        if (!process.isAlive()) {
            return;
        }
        final List<ProcessHandle> family = new ArrayList<>(process.descendants().toList());
        process.destroyForcibly();
        family.forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
