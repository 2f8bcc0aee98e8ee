package dev.atlas.deploy;

import dev.atlas.bench.netns.HostPrerequisites;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Running the operators' tools (promtool, systemd-analyze, kubectl, node, podman…) from a test:
 * bounded in time, output kept for the failure message. A missing tool skips the test on a
 * developer machine and fails it in CI ({@code CI=true}), where everything must run.
 */
final class Tools {
    private Tools() {}

    /** A finished command: its exit code and what it printed (stdout and stderr together). */
    record Result(List<String> command, int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " exited " + exitCode + ":\n" + output;
        }
    }

    /** Skips (or in CI fails) unless every tool is on the PATH and, if {@code root}, we are root. */
    static void require(boolean root, String... tools) {
        final List<String> missing = new ArrayList<>();
        if (root && !HostPrerequisites.isRoot()) {
            missing.add("root");
        }
        for (String tool : tools) {
            if (!HostPrerequisites.onPath(tool)) {
                missing.add(tool);
            }
        }
        requireThat(missing.isEmpty(), String.join(", ", missing));
    }

    /** Skips (or in CI fails) unless {@code present}; {@code what} names what the test needs. */
    static void requireThat(boolean present, String what) {
        if (present) {
            return;
        }
        final String reason = "this test needs " + what + " (./atlas test installs and sets up what it needs)";
        if ("true".equals(System.getenv("CI"))) {
            Assertions.fail(reason);
        }
        Assumptions.abort(reason);
    }

    static Result run(Duration timeout, Path directory, String... command) throws IOException, InterruptedException {
        return run(timeout, directory, Map.of(), List.of(command));
    }

    static Result run(Duration timeout, Path directory, Map<String, String> environment, List<String> command)
            throws IOException, InterruptedException {
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (directory != null) {
            builder.directory(directory.toFile());
        }
        builder.environment().putAll(environment);
        final Process process = builder.start();
        final CompletableFuture<String> output = readAsync(process.getInputStream());
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor();
            return new Result(command, -1, output.join() + "\n(stopped after " + timeout + ")");
        }
        return new Result(command, process.exitValue(), output.join());
    }

    /** Runs and fails the test with the command's output unless it exits 0. */
    static String check(Duration timeout, Path directory, String... command) throws IOException, InterruptedException {
        final Result result = run(timeout, directory, command);
        Assertions.assertTrue(result.ok(), result::toString);
        return result.output();
    }

    static CompletableFuture<String> readAsync(InputStream in) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try (in) {
                        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        return "(output unreadable: " + e.getMessage() + ")";
                    }
                },
                Thread.ofVirtual()::start);
    }
}
