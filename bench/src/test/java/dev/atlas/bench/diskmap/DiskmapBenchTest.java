package dev.atlas.bench.diskmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.atlas.bench.BenchCli;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The diskmap benchmark's pieces, and one short end-to-end run against real fio. */
class DiskmapBenchTest {
    @Test
    void sizesParseAndFormat() {
        assertEquals(16384, ByteSize.parse("16k"));
        assertEquals(4L << 30, ByteSize.parse("4G"));
        assertEquals(1 << 20, ByteSize.parse("1MiB"));
        assertEquals(512, ByteSize.parse("512"));
        assertEquals("16k", ByteSize.format(16384));
        assertEquals("4g", ByteSize.format(4L << 30));
        assertThrows(CommandLine.TypeConversionException.class, () -> ByteSize.parse("lots"));
        assertThrows(CommandLine.TypeConversionException.class, () -> ByteSize.parse("0k"));
    }

    /** A report fio 3.33 printed on this machine (16k randread, io_uring, QD 4, 1 s). */
    @Test
    void fioJsonReportIsRead() throws IOException {
        String json;
        try (InputStream in = getClass().getResourceAsStream("fio-randread.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Measurement m = FioResult.parse("fio: some warning\n" + json, "fio/io_uring", 4);
        assertEquals(21308.365759, m.iops(), 1e-6);
        assertEquals(349116264.0, m.bytesPerSecond(), 1e-6);
        assertEquals(104.960, m.p50Micros(), 1e-9);
        assertEquals(2834.432, m.p99Micros(), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> FioResult.parse("fio: no such file", "fio", 1));
    }

    @Test
    void shortRunPrintsATableAndTheRatioLast(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        boolean haveFio =
                new ProcessBuilder("sh", "-c", "command -v fio").start().waitFor() == 0;
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(haveFio, "fio is missing; ./atlas test installs it");
        }
        assumeTrue(haveFio, "fio is not installed");
        // target/ is on the checkout's disk; /tmp may be a tmpfs elsewhere, which has no real O_DIRECT.
        Path dir = Files.createDirectories(Path.of("target", "bench-test").toAbsolutePath());
        Path image = dir.resolve("bench-" + ProcessHandle.current().pid() + ".img");
        StringWriter out = new StringWriter();
        int exit;
        try {
            CommandLine cli = new CommandLine(new BenchCli());
            cli.setOut(new PrintWriter(out));
            exit = cli.execute(
                    "diskmap",
                    "--image",
                    image.toString(),
                    "--size",
                    "64m",
                    "--qd",
                    "1,8",
                    "--seconds",
                    "1",
                    "--warmup",
                    "0.2");
        } finally {
            Files.deleteIfExists(image);
        }
        String text = out.toString();
        assertEquals(0, exit, text);
        List<String> lines = text.lines().toList();
        assertTrue(lines.get(lines.size() - 1).matches("ratio=[0-9]+\\.[0-9]{3}"), text);
        assertEquals(
                4,
                lines.stream()
                        .filter(l -> l.startsWith("diskmap/file") || l.startsWith("fio/io_uring"))
                        .count(),
                text);
        assertTrue(lines.stream().anyMatch(l -> l.matches("diskmap/file\\s+8\\s+[1-9][0-9]*\\s.*")), text);
    }

    @Test
    void directoryAsImageIsAClearSentenceNotAStackTrace(@org.junit.jupiter.api.io.TempDir Path tmp) {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new BenchCli());
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("diskmap", "--image", tmp.toString(), "--seconds", "1");
        assertEquals(1, exit);
        assertTrue(
                err.toString().contains("atlas bench diskmap: " + tmp + " is a directory")
                        && !err.toString().contains("\tat "),
                err.toString());
    }

    @Test
    void theDiskmapTransportNeedsTheModulesDeviceNotAnImageToCreate(@org.junit.jupiter.api.io.TempDir Path tmp) {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new BenchCli());
        cli.setErr(new PrintWriter(err));
        Path device = tmp.resolve("diskmap0");
        int exit = cli.execute("diskmap", "--transport", "diskmap", "--image", device.toString(), "--seconds", "1");
        assertEquals(1, exit);
        assertTrue(
                err.toString().contains(device + " does not exist; the diskmap transport needs the module's device")
                        && !err.toString().contains("\tat "),
                err.toString());
        assertTrue(!java.nio.file.Files.exists(device), "no image file is created for the diskmap transport");
    }
}
