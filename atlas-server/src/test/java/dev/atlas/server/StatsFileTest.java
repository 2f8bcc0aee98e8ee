package dev.atlas.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stats file is a convenience: failing to write it is said once and never stops the server. */
class StatsFileTest {
    @TempDir
    Path dir;

    @Test
    void aFileThatCannotBeWrittenIsReportedOnceAndServingGoesOn() throws Exception {
        final Path gone = dir.resolve("gone");
        final Path file = gone.resolve("stats.txt");
        final ByteArrayOutputStream printed = new ByteArrayOutputStream();
        final StatsFile stats =
                new StatsFile(file, new PrintStream(printed, true, StandardCharsets.UTF_8), false, List.of());

        stats.write();
        stats.write();
        final List<String> lines =
                printed.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(
                List.of("atlas serve: cannot write the stats file " + file
                        + " (its directory does not exist); serving goes on, the counters are on /metrics"),
                lines);

        Files.createDirectories(gone);
        stats.write();
        assertTrue(Files.exists(file), "written once the directory is back");
        assertTrue(printed.toString(StandardCharsets.UTF_8)
                .endsWith("atlas serve: the stats file " + file + " is written again\n"));
    }
}
