package dev.atlas.bench.diskmap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs fio's io_uring engine with O_DIRECT random reads on the image: the baseline. */
public final class FioRunner {
    private final String fio;

    public FioRunner(String fio) {
        this.fio = fio;
    }

    /** The exact command, also printed so the baseline can be reproduced by hand. */
    public List<String> command(Path image, long blockBytes, int queueDepth, int seconds) {
        return List.of(
                fio,
                "--name=atlas-baseline",
                "--ioengine=io_uring",
                "--direct=1",
                "--rw=randread",
                "--bs=" + ByteSize.format(blockBytes),
                "--iodepth=" + queueDepth,
                "--runtime=" + seconds,
                "--time_based",
                "--filename=" + image,
                "--output-format=json");
    }

    public Measurement run(Path image, long blockBytes, int queueDepth, int seconds)
            throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command(image, blockBytes, queueDepth, seconds)).start();
        } catch (IOException e) {
            throw new IOException("cannot run " + fio + " (install fio: apt-get install fio): " + e.getMessage(), e);
        }
        // Drain stderr on its own thread so a chatty fio cannot block on a full pipe.
        Thread stderrReader = Thread.ofVirtual().start(() -> {
            try {
                process.getErrorStream().transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException ignored) {
                // fio is gone; its exit code tells the rest
            }
        });
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(seconds + 120L, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("fio did not finish within " + (seconds + 120) + " s");
        }
        stderrReader.join();
        String json = new String(out, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException("fio exited with " + process.exitValue() + ": " + json.strip());
        }
        return FioResult.parse(json, "fio/io_uring", queueDepth);
    }
}
