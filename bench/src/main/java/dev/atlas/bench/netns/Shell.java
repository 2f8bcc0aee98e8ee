package dev.atlas.bench.netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the few system tools the topology needs ({@code ip}, {@code ethtool}, {@code nft}) and reports failures as sentences. */
public final class Shell {
    private static final long TIMEOUT_SECONDS = 30;

    private Shell() {}

    /** Runs a command; throws {@link IllegalStateException} naming the command and its output when it fails. */
    public static String run(String... command) {
        Result r = tryRun(command);
        if (r.exitCode() != 0) {
            throw new IllegalStateException("'" + String.join(" ", command) + "' failed (exit " + r.exitCode() + "): "
                    + r.output().strip());
        }
        return r.output();
    }

    /** Runs a command and returns its exit code and output (exit 127 when it cannot start). */
    public static Result tryRun(String... command) {
        try {
            Process p = new ProcessBuilder(List.of(command))
                    .redirectErrorStream(true)
                    .start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(124, out + " (timed out)");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            return new Result(127, command[0] + " could not be started: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(130, "interrupted");
        }
    }

    /** Exit code and combined output of a command. */
    public record Result(int exitCode, String output) {}
}
