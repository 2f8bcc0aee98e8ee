package dev.atlas.bench.sealing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JMH harness of {@code ./atlas bench sealing} run for real in a tiny configuration (one
 * fork per case, short iterations): every case measured, at a positive speed; the OpenSSL engine
 * allocates (about) nothing per record whichever way it goes into the frame; the interleaved
 * CPU-time comparison runs; the table is written. Speeds from so short a run mean nothing and are not compared.
 */
class SealingBenchTest {
    @Test
    void aTinyRunMeasuresEveryCaseAndWritesTheTable(@TempDir Path results) throws Exception {
        final List<SealingRow> rows = SealingBench.measure(new SealingBench.Settings(1, 2, 1, 500));
        assertEquals(
                Arrays.asList(SealingCase.values()),
                rows.stream().map(SealingRow::sealingCase).toList(),
                "one row per case, in order");
        for (SealingRow row : rows) {
            assertTrue(row.gigabytesPerSecond() > 0, row + ": no speed");
            if (row.sealingCase().label.startsWith("openssl")) {
                // JMH's GC profiler divides the heap allocated in an iteration by its operations:
                // a few bytes per record are the harness's own, not a per-record allocation.
                assertTrue(row.bytesPerRecord() < 16, row + ": the OpenSSL engine allocates per record");
            }
        }
        final SealingRow sunJce = rows.get(SealingCase.SUNJCE_STAGING.ordinal());
        assertTrue(sunJce.bytesPerRecord() > 100, sunJce + ": SunJCE's Cipher.init allocates its parameters");

        final List<SealingRow> interleaved = SealingBench.interleaved(500, 8, 200);
        assertEquals(SealingCase.values().length, interleaved.size());
        for (SealingRow row : interleaved) {
            assertTrue(row.gigabytesPerSecond() > 0, row + ": no speed in the interleaved comparison");
        }

        final SealingTable table = new SealingTable(rows, interleaved, "tiny", "0", "0");
        final Path file = table.write(results.resolve("now"));
        final String md = Files.readString(file);
        for (SealingCase c : SealingCase.values()) {
            assertEquals(2, occurrences(md, "| " + c.label + " |"), c.label + " not in both tables of\n" + md);
        }
        System.out.print(md);
    }

    @Test
    void eachCaseTakesTheWayItsNameSays() {
        final SealingBenchmarks benchmarks = new SealingBenchmarks();
        for (SealingCase c : SealingCase.values()) {
            if (c == SealingCase.JCE_ON_BYTE_ARRAY) {
                continue;
            }
            final SealingBenchmarks.Frames frames = new SealingBenchmarks.Frames();
            frames.path = c.label;
            frames.setUp();
            try {
                for (int i = 0; i < 10; i++) {
                    benchmarks.recordLayer(frames);
                }
                final boolean intoFrame = c == SealingCase.OPENSSL_IN_FRAME || c == SealingCase.OPENSSL_FROM_CHUNK;
                assertEquals(
                        intoFrame ? 0 : SealingBenchmarks.PLAINTEXT + dev.atlas.server.tls.RecordFormat.OVERHEAD_13,
                        frames.stagingCopiesPerRecord(),
                        c.label + ": bytes copied through the staging area per record");
            } finally {
                frames.tearDown();
            }
        }
    }

    private static int occurrences(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }
}
