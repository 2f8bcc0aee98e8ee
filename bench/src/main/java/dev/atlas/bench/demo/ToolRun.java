package dev.atlas.bench.demo;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One bounded run of an external tool (ffmpeg, curl, ffprobe), optionally inside a network
 * namespace: its exit code, what it wrote on each stream, how long it took.
 */
record ToolRun(List<String> command, int exitCode, String stdout, String stderr, double seconds) {
    /** Exit code reported when the tool outlived its timeout and was killed. */
    static final int TIMED_OUT = 124;

    private static final int TAIL_LINES = 8;
    private static final File NO_INPUT = new File("/dev/null");

    /** {@code ip netns exec NAMESPACE command…}. */
    static List<String> inNamespace(String namespace, List<String> command) {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(command);
        return full;
    }

    /** Runs {@code command} with no input, killing it after {@code timeout}. */
    static ToolRun run(Duration timeout, List<String> command) throws IOException, InterruptedException {
        return run(timeout, command, null);
    }

    /** Runs {@code command} in {@code directory} (null: this process's) with no input, killing it after {@code timeout}. */
    static ToolRun run(Duration timeout, List<String> command, Path directory)
            throws IOException, InterruptedException {
        final long start = System.nanoTime();
        final ProcessBuilder builder =
                new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(NO_INPUT));
        if (directory != null) {
            builder.directory(directory.toFile());
        }
        final Process process = builder.start();
        final CompletableFuture<String> out = drain(process.getInputStream());
        final CompletableFuture<String> err = drain(process.getErrorStream());
        final boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!finished) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        final String stderr = text(err) + (finished ? "" : "\n(killed after " + timeout.toSeconds() + " s)");
        return new ToolRun(
                List.copyOf(command), finished ? process.exitValue() : TIMED_OUT, text(out), stderr, seconds);
    }

    boolean ok() {
        return exitCode == 0;
    }

    /** The tool's name as the operator would type it (after any {@code ip netns exec NS}). */
    String tool() {
        return command.size() > 4
                        && command.get(0).equals("ip")
                        && command.get(1).equals("netns")
                ? command.get(4)
                : command.get(0);
    }

    /** A sentence for a failure: which tool, its exit code and the last lines it wrote on stderr. */
    String failure() {
        final List<String> lines = stderr.strip().lines().toList();
        final String tail =
                String.join("\n      ", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
        return tool() + " exited with " + exitCode + (tail.isEmpty() ? "" : ":\n      " + tail) + "\n    command: "
                + String.join(" ", command);
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try (stream) {
                        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                },
                Thread.ofVirtual()::start);
    }

    private static String text(CompletableFuture<String> future) throws InterruptedException {
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return "(output unreadable: " + e.getMessage() + ")";
        }
    }
}
