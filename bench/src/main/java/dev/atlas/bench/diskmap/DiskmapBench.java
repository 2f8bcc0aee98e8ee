package dev.atlas.bench.diskmap;

import dev.atlas.diskmap.NvmeDevice;
import dev.atlas.diskmap.Transport;
import dev.atlas.diskmap.transport.DiskmapException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./atlas bench diskmap}: random O_DIRECT reads of one block size over the whole image
 * through NvmeDevice and a transport, with QD outstanding, then fio's io_uring engine on the
 * same file at the same queue depths. Prints one table row per tool and depth and, as the last
 * line, {@code ratio=<diskmap IOPS ÷ fio IOPS at the highest QD>}. With {@code --transport diskmap}
 * the image is the module's device ({@code /dev/diskmap0}) and fio is left out: while the module
 * owns the controller the kernel has no block device for it.
 */
@Command(
        name = "diskmap",
        mixinStandardHelpOptions = true,
        description = "Random reads through diskmap-java vs fio (io_uring, O_DIRECT) on the same image.")
public final class DiskmapBench implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--image",
            required = true,
            description = "image file or block device; a missing file is created with --size random bytes")
    Path image;

    @Option(names = "--transport", defaultValue = "file", description = "diskmap transport (default: ${DEFAULT-VALUE})")
    String transport;

    @Option(
            names = "--block",
            defaultValue = "16k",
            converter = ByteSize.class,
            description = "bytes per read (default: ${DEFAULT-VALUE})")
    long block;

    @Option(
            names = "--qd",
            defaultValue = "1,32,128",
            split = ",",
            description = "queue depths to measure (default: ${DEFAULT-VALUE})")
    List<Integer> queueDepths;

    @Option(
            names = "--seconds",
            defaultValue = "10",
            description = "measured seconds per run (default: ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--warmup", defaultValue = "1", description = "unmeasured seconds before each diskmap run")
    double warmup;

    @Option(
            names = "--size",
            defaultValue = "4g",
            converter = ByteSize.class,
            description = "size of a newly created image (default: ${DEFAULT-VALUE})")
    long size;

    @Option(names = "--fio", defaultValue = "fio", description = "fio executable")
    String fio;

    @Option(names = "--seed", defaultValue = "1", description = "random offsets seed")
    long seed;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter log = spec.commandLine().getErr();
        if (seconds < 1
                || block < 512
                || queueDepths.isEmpty()
                || queueDepths.stream().anyMatch(q -> q < 1 || q > 4096)) {
            log.println("atlas bench diskmap: --seconds ≥ 1, --block ≥ 512 and queue depths 1…4096 please");
            return 2;
        }
        try {
            // While diskmap.ko owns the controller there is no block device for fio to read.
            boolean withFio = Transport.named(transport) != Transport.DISKMAP;
            if (!withFio && !Files.exists(image)) {
                log.println("atlas bench diskmap: " + image + " does not exist; the diskmap transport needs the"
                        + " module's device (e.g. /dev/diskmap0), bound as kernel-module/README.md describes");
                log.flush();
                return 1;
            }
            if (!Files.exists(image)) {
                log.printf("creating %s: %d MiB of random data with O_DIRECT%n", image, size >> 20);
                ImageMaker.create(image, size, log);
                log.flush();
            }
            FioRunner fioRunner = new FioRunner(fio);
            List<Measurement> rows = new ArrayList<>();
            int highest = queueDepths.stream().mapToInt(Integer::intValue).max().orElseThrow();
            Measurement diskmapAtHighest = null;
            Measurement fioAtHighest = null;
            for (int qd : queueDepths) {
                log.printf("diskmap/%s qd %d: %d s …%n", transport, qd, seconds);
                log.flush();
                Measurement ours = measureDiskmap(qd);
                rows.add(ours);
                if (!withFio) {
                    diskmapAtHighest = qd == highest ? ours : diskmapAtHighest;
                    continue;
                }
                log.println("  " + String.join(" ", fioRunner.command(image, block, qd, seconds)));
                Measurement theirs = fioRunner.run(image, block, qd, seconds);
                rows.add(theirs);
                if (qd == highest) {
                    diskmapAtHighest = ours;
                    fioAtHighest = theirs;
                }
            }
            out.printf("image %s, %s random reads, O_DIRECT, %d s per run%n", image, ByteSize.format(block), seconds);
            out.println(Measurement.header());
            for (Measurement row : rows) {
                out.println(row.row());
            }
            if (fioAtHighest != null) {
                out.printf("ratio=%.3f%n", diskmapAtHighest.iops() / fioAtHighest.iops());
            }
            out.flush();
            return 0;
        } catch (DiskmapException | IOException | IllegalArgumentException e) {
            log.println("atlas bench diskmap: " + e.getMessage());
            log.flush();
            return 1;
        }
    }

    private Measurement measureDiskmap(int queueDepth) {
        try (NvmeDevice device =
                NvmeDevice.open(image, transport, NvmeDevice.Options.defaults().withQueueDepth(queueDepth + 1))) {
            RandomReadLoad load = new RandomReadLoad(device, queueDepth, Math.toIntExact(block), seed);
            return load.run("diskmap/" + transport, warmup, seconds);
        }
    }
}
