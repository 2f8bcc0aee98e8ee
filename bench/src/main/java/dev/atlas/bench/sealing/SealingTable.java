package dev.atlas.bench.sealing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The rows as a markdown table with the run's conditions, and where it is written. */
final class SealingTable {
    static final String FILE = "sealing.md";

    private final List<SealingRow> rows;
    private final List<SealingRow> interleaved;
    private final String settings;
    private final String loadBefore;
    private final String loadAfter;

    SealingTable(
            List<SealingRow> rows, List<SealingRow> interleaved, String settings, String loadBefore, String loadAfter) {
        this.rows = List.copyOf(rows);
        this.interleaved = List.copyOf(interleaved);
        this.settings = settings;
        this.loadBefore = loadBefore;
        this.loadAfter = loadAfter;
    }

    List<SealingRow> rows() {
        return rows;
    }

    String markdown() {
        final StringBuilder md = new StringBuilder();
        md.append("# `./atlas bench sealing`\n\n");
        md.append("One operation seals one 16 KiB TLS 1.3 AES-128-GCM record (plaintext GB/s, one thread).\n");
        md.append("JMH: ")
                .append(settings)
                .append("; Java ")
                .append(Runtime.version())
                .append(", ");
        md.append(Runtime.getRuntime().availableProcessors()).append(" cores visible, load average ");
        md.append(loadBefore).append(" at the start, ").append(loadAfter).append(" at the end.\n\n");
        md.append("## JMH (wall-clock throughput, `-prof gc`)\n\n");
        md.append("± is JMH's 99.9% confidence half-width; B/record is `gc.alloc.rate.norm`.\n\n");
        table(md, rows, "GB/s per core");
        if (!interleaved.isEmpty()) {
            md.append("\n## Interleaved, by CPU time\n\n");
            md.append("The same cases in one JVM taking turns of records in random order, each turn timed by\n");
            md.append("the thread's CPU time (median turn, ± half the interquartile range; the first quarter of the\n");
            md.append("turns not counted): every case meets the same load on a shared machine.\n\n");
            table(md, interleaved, "GB/s per CPU-second");
        }
        return md.toString();
    }

    private static void table(StringBuilder md, List<SealingRow> rows, String unit) {
        final double baseline = rows.stream()
                .filter(r -> r.sealingCase() == SealingCase.JCE_ON_BYTE_ARRAY)
                .mapToDouble(SealingRow::gigabytesPerSecond)
                .findFirst()
                .orElse(Double.NaN);
        md.append("| case | ").append(unit).append(" | × baseline | B/record | what runs |\n");
        md.append("|---|---:|---:|---:|---|\n");
        for (SealingRow r : rows) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %.2f ± %.2f | %.2f | %.0f | %s |%n",
                    r.sealingCase().label,
                    r.gigabytesPerSecond(),
                    r.error(),
                    r.gigabytesPerSecond() / baseline,
                    r.bytesPerRecord(),
                    r.sealingCase().description));
        }
    }

    /** Writes {@link #FILE} into {@code dir} (made if missing) and returns its path. */
    Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        final Path file = dir.resolve(FILE);
        Files.writeString(file, markdown(), StandardCharsets.UTF_8);
        return file;
    }
}
