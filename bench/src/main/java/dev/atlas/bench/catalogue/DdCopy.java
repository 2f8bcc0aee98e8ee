package dev.atlas.bench.catalogue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The baseline: {@code dd iflag=direct oflag=direct} copies each source to its 4 KiB-aligned
 * offset in a flat image, then {@code sync -d} makes the image durable once, as the catalogue's
 * commit flushes once. One {@code sh} runs the whole script, so many files cost one dd start each
 * but only one shell.
 */
final class DdCopy {
    private static final long TIMEOUT_SECONDS = 3600;

    private final String dd;

    DdCopy(String dd) {
        this.dd = dd;
    }

    /** The copy of one source, exactly as the script runs it. */
    String command(SourceSet.Source source, Path image) {
        return dd + " if=" + quote(source.path()) + " of=" + quote(image) + " bs=1M iflag=direct"
                + " oflag=direct,seek_bytes seek=" + source.imageOffset() + " conv=notrunc status=none";
    }

    /** The whole script: one dd per source, then one fdatasync of the image. */
    List<String> script(SourceSet set, Path image) {
        final List<String> lines = new ArrayList<>();
        lines.add("set -e");
        for (SourceSet.Source source : set.sources()) {
            lines.add(command(source, image));
        }
        lines.add("sync -d " + quote(image));
        return lines;
    }

    /** Runs the script and returns its wall-clock seconds (shell start included). */
    double run(SourceSet set, Path image) throws IOException, InterruptedException {
        final byte[] script = (String.join("\n", script(set, image)) + "\n").getBytes(StandardCharsets.UTF_8);
        final long start = System.nanoTime();
        final Process sh;
        try {
            sh = new ProcessBuilder("sh", "-s").redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run sh for the dd baseline: " + e.getMessage(), e);
        }
        try (OutputStream in = sh.getOutputStream()) {
            in.write(script);
        }
        final byte[] output = sh.getInputStream().readAllBytes();
        if (!sh.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            sh.destroyForcibly();
            throw new IOException("dd did not finish within " + TIMEOUT_SECONDS + " s");
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        if (sh.exitValue() != 0) {
            throw new IOException("the dd baseline failed (exit " + sh.exitValue() + "): "
                    + new String(output, StandardCharsets.UTF_8).strip());
        }
        return seconds;
    }

    private static String quote(Path path) {
        return "'" + path.toString().replace("'", "'\\''") + "'";
    }
}
