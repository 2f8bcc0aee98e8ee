package dev.atlas.bench.interop;

import dev.atlas.bench.tcp.PatternCheck;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Linux peers of the interop tests, each run inside the client namespace: curl (content
 * streamed through {@link PatternCheck}, never stored), wrk, and the Python peers shipped as
 * test resources (slow reader, SYN flood). Every run is bounded by a timeout.
 */
final class ClientTools {
    private ClientTools() {}

    /** One curl download: exit code, what the body held, wall time. */
    record Download(int exitCode, PatternCheck.Result content, double seconds, String stderr) {
        boolean ok(long expectedBytes) {
            return exitCode == 0 && content.matches(expectedBytes);
        }

        double gbitPerSecond() {
            return content.bytes() * 8.0 / seconds / 1e9;
        }

        @Override
        public String toString() {
            return "curl exit " + exitCode + ", " + content + String.format(", %.2f s", seconds)
                    + (stderr.isBlank() ? "" : ", stderr: " + stderr.trim());
        }
    }

    /** A curl that is running; {@link #finish()} waits for it. */
    static final class RunningDownload {
        private final Process process;
        private final CompletableFuture<PatternCheck.Result> content;
        private final CompletableFuture<String> stderr;
        private final long started;
        private final Duration timeout;

        RunningDownload(Process process, Duration timeout) {
            this.process = process;
            this.timeout = timeout;
            this.started = System.nanoTime();
            this.content =
                    CompletableFuture.supplyAsync(() -> check(process.getInputStream()), Thread.ofVirtual()::start);
            this.stderr =
                    CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()), Thread.ofVirtual()::start);
        }

        long pid() {
            return process.pid();
        }

        /** Kills curl with SIGKILL: a client that vanishes without a FIN. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }

        Download finish() throws Exception {
            if (!process.waitFor(timeout.toSeconds() + 10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            final int code = process.waitFor();
            final double seconds = (System.nanoTime() - started) / 1e9;
            return new Download(code, content.get(30, TimeUnit.SECONDS), seconds, stderr.get(30, TimeUnit.SECONDS));
        }
    }

    /** Starts {@code curl -sS --fail --max-time T URL} in {@code namespace}, body checked as it streams. */
    static RunningDownload startCurl(String namespace, String url, Duration timeout, String... extra)
            throws IOException {
        final List<String> command = new ArrayList<>(List.of(
                "ip",
                "netns",
                "exec",
                namespace,
                "curl",
                "-sS",
                "--fail",
                "--max-time",
                Long.toString(timeout.toSeconds()),
                "-o",
                "-"));
        command.addAll(List.of(extra));
        command.add(url);
        return new RunningDownload(new ProcessBuilder(command).start(), timeout);
    }

    static Download curl(String namespace, String url, Duration timeout, String... extra) throws Exception {
        return startCurl(namespace, url, timeout, extra).finish();
    }

    /** What wrk reported. Socket error counters are absent from wrk's output when they are zero. */
    record WrkResult(
            long requests,
            double requestsPerSecond,
            long connectErrors,
            long readErrors,
            long writeErrors,
            long timeouts,
            long non2xx,
            String output) {
        long socketErrors() {
            return connectErrors + readErrors + writeErrors + timeouts;
        }
    }

    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in");
    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern SOCKET_ERRORS =
            Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

    static WrkResult wrk(String namespace, String url, int connections, int threads, Duration duration)
            throws IOException, InterruptedException {
        final List<String> command = List.of(
                "ip",
                "netns",
                "exec",
                namespace,
                "wrk",
                "-c",
                Integer.toString(connections),
                "-t",
                Integer.toString(threads),
                "-d",
                duration.toSeconds() + "s",
                "--timeout",
                "5s",
                url);
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = readAll(p.getInputStream());
        if (!p.waitFor(duration.toSeconds() + 30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("wrk did not finish:\n" + output);
        }
        return parseWrk(output);
    }

    static WrkResult parseWrk(String output) throws IOException {
        final Matcher requests = REQUESTS.matcher(output);
        final Matcher rps = RPS.matcher(output);
        if (!requests.find() || !rps.find()) {
            throw new IOException("cannot read wrk's output:\n" + output);
        }
        long connect = 0;
        long read = 0;
        long write = 0;
        long timeout = 0;
        final Matcher errors = SOCKET_ERRORS.matcher(output);
        if (errors.find()) {
            connect = Long.parseLong(errors.group(1));
            read = Long.parseLong(errors.group(2));
            write = Long.parseLong(errors.group(3));
            timeout = Long.parseLong(errors.group(4));
        }
        final Matcher non2xx = NON_2XX.matcher(output);
        final long bad = non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0;
        return new WrkResult(
                Long.parseLong(requests.group(1)),
                Double.parseDouble(rps.group(1)),
                connect,
                read,
                write,
                timeout,
                bad,
                output);
    }

    /** Copies a Python peer from the test resources to {@code dir}; returns its path. */
    static Path script(String name, Path dir) throws IOException {
        final Path target = dir.resolve(name);
        try (InputStream in = ClientTools.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("test resource " + name + " is missing");
            }
            Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    /** Runs a Python peer in {@code namespace}; returns exit code and combined output. */
    static Process startPython(String namespace, Path script, String... args) throws IOException {
        final List<String> command =
                new ArrayList<>(List.of("ip", "netns", "exec", namespace, "python3", script.toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    static String finish(Process process, Duration timeout) throws IOException, InterruptedException {
        final CompletableFuture<String> output =
                CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()), Thread.ofVirtual()::start);
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("peer still running after " + timeout + ": " + output.getNow("(no output)"));
        }
        try {
            return "exit " + process.exitValue() + ": "
                    + output.get(10, TimeUnit.SECONDS).trim();
        } catch (Exception e) {
            throw new IOException("cannot read the peer's output", e);
        }
    }

    private static PatternCheck.Result check(InputStream in) {
        try (in) {
            return PatternCheck.check(in);
        } catch (IOException e) {
            return new PatternCheck.Result(-1, 0);
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
