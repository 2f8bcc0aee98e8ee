package dev.atlas.bench.tcp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs short external commands (ip, nstat, ethtool) and returns their output; a failure is an operator sentence. */
public final class Commands {
    private Commands() {}

    /** Runs {@code command}, returns stdout; throws with stderr when it exits non-zero. */
    public static String output(List<String> command) throws IOException, InterruptedException {
        final Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        final byte[] out = p.getInputStream().readAllBytes();
        final byte[] err = p.getErrorStream().readAllBytes();
        final int code = p.waitFor();
        if (code != 0) {
            throw new IOException("'" + String.join(" ", command) + "' exited with " + code + ": "
                    + new String(err, StandardCharsets.UTF_8).trim());
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
