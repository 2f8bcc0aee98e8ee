package dev.atlas.bench.datapath;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** curl in the client namespace, saving the body to a file and reporting status, size and time. */
final class Curl {
    /** What one transfer gave: curl's exit code, the HTTP status, bytes, seconds (from -w). */
    record Result(int exit, int status, long bytes, double seconds, String stderr) {
        boolean ok() {
            return exit == 0 && status / 100 == 2;
        }

        @Override
        public String toString() {
            return "curl exit " + exit + ", HTTP " + status + ", " + bytes + " B in " + seconds + " s"
                    + (stderr.isBlank() ? "" : ": " + stderr.strip());
        }
    }

    /** A transfer still running. */
    static final class Running {
        private final Process process;
        private final long timeoutSeconds;

        Running(Process process, long timeoutSeconds) {
            this.process = process;
            this.timeoutSeconds = timeoutSeconds;
        }

        boolean isAlive() {
            return process.isAlive();
        }

        /** SIGKILL: a client that vanishes without a FIN or RST. */
        void vanish() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }

        Result finish() throws IOException, InterruptedException {
            if (!process.waitFor(timeoutSeconds + 10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            final String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            final String[] f = out.isEmpty() ? new String[0] : out.split(" ");
            return new Result(
                    process.waitFor(),
                    f.length > 0 ? Integer.parseInt(f[0]) : 0,
                    f.length > 1 ? Long.parseLong(f[1]) : 0,
                    f.length > 2 ? Double.parseDouble(f[2]) : 0,
                    err);
        }
    }

    private Curl() {}

    static Running start(String namespace, String url, Path output, long timeoutSeconds, String... extra)
            throws IOException {
        final List<String> command = new ArrayList<>(List.of(
                "ip",
                "netns",
                "exec",
                namespace,
                "curl",
                "-sS",
                "--max-time",
                Long.toString(timeoutSeconds),
                "-o",
                output.toString(),
                "-w",
                "%{http_code} %{size_download} %{time_total}"));
        command.addAll(List.of(extra));
        command.add(url);
        return new Running(new ProcessBuilder(command).start(), timeoutSeconds);
    }

    static Result get(String namespace, String url, Path output, long timeoutSeconds, String... extra)
            throws IOException, InterruptedException {
        return start(namespace, url, output, timeoutSeconds, extra).finish();
    }
}
