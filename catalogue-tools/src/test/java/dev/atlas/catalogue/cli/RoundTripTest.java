package dev.atlas.catalogue.cli;

import static dev.atlas.catalogue.TestImages.cli;
import static dev.atlas.catalogue.TestImages.withDevices;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.catalogue.Catalogue;
import dev.atlas.catalogue.CatalogueEntry;
import dev.atlas.catalogue.TestImages;
import dev.atlas.catalogue.TestImages.CliResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Round trip through the CLI: an ffmpeg-made HLS ladder plus edge-size files go onto two image
 * files; every file comes back byte for byte with {@code get}; {@code verify} and {@code fsck} pass.
 */
class RoundTripTest {

    private static final long IMAGE_BYTES = 64L << 20;
    private static final long[] EDGE_SIZES = {0, 1, 4095, 4096, 4097, 10L << 20};

    private Path dir;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestImages.scratch("roundtrip");
    }

    @AfterEach
    void tearDown() throws IOException {
        TestImages.deleteTree(dir);
    }

    private static void ffmpegLadder(Path out) throws IOException, InterruptedException {
        Files.createDirectories(out);
        final Process ffmpeg = new ProcessBuilder(
                        "ffmpeg",
                        "-hide_banner",
                        "-loglevel",
                        "error",
                        "-nostdin",
                        "-f",
                        "lavfi",
                        "-i",
                        "testsrc=size=320x240:rate=25",
                        "-t",
                        "6",
                        "-filter_complex",
                        "[0:v]split=2[a][b];[b]scale=160:120[b2]",
                        "-map",
                        "[a]",
                        "-map",
                        "[b2]",
                        "-c:v",
                        "libx264",
                        "-preset",
                        "ultrafast",
                        "-g",
                        "50",
                        "-keyint_min",
                        "50",
                        "-sc_threshold",
                        "0",
                        "-b:v:0",
                        "400k",
                        "-b:v:1",
                        "150k",
                        "-f",
                        "hls",
                        "-hls_time",
                        "2",
                        "-hls_playlist_type",
                        "vod",
                        "-var_stream_map",
                        "v:0 v:1",
                        "-master_pl_name",
                        "master.m3u8",
                        "-hls_segment_filename",
                        "%v/seg_%03d.ts",
                        "%v/index.m3u8")
                .directory(out.toFile())
                .redirectErrorStream(true)
                .start();
        final boolean done = ffmpeg.waitFor(60, TimeUnit.SECONDS);
        if (!done) {
            ffmpeg.destroyForcibly();
        }
        final String log = new String(ffmpeg.getInputStream().readAllBytes());
        assertTrue(done && ffmpeg.exitValue() == 0, "ffmpeg failed: " + log);
    }

    @Test
    void hlsLadderAndEdgeSizesComeBackByteForByte() throws Exception {
        TestImages.requireTool("ffmpeg");
        final Path src = dir.resolve("src");
        ffmpegLadder(src.resolve("hls"));
        for (long size : EDGE_SIZES) {
            TestImages.randomFile(src.resolve("edge/size-" + size + ".bin"), size, size);
        }
        final List<Path> sources;
        try (Stream<Path> walk = Files.walk(src)) {
            sources = walk.filter(Files::isRegularFile).sorted().toList();
        }
        assertTrue(
                sources.stream().filter(p -> p.toString().endsWith(".ts")).count() >= 6, "two renditions × 3 segments");

        final Path[] images = {dir.resolve("dev0.img"), dir.resolve("dev1.img")};
        CliResult r = cli(withDevices(images, "format", "--size", String.valueOf(IMAGE_BYTES)));
        assertEquals(0, r.exitCode(), r.toString());
        r = cli(withDevices(images, "import", src.toString()));
        assertEquals(0, r.exitCode(), r.toString());

        final Set<String> expected = new HashSet<>();
        for (Path file : sources) {
            final String name = src.relativize(file).toString();
            expected.add(name);
            final Path back = dir.resolve("back.bin");
            r = cli(withDevices(images, "get", name, "-o", back.toString()));
            assertEquals(0, r.exitCode(), r.toString());
            assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(back), name);
        }
        r = cli(withDevices(images, "ls"));
        assertEquals(expected, new HashSet<>(r.out().lines().toList()));

        r = cli(withDevices(images, "stat", "hls/master.m3u8"));
        assertTrue(r.out().contains("content-type: application/vnd.apple.mpegurl"), r.toString());
        r = cli(withDevices(images, "stat", "hls/0/seg_000.ts"));
        assertTrue(r.out().contains("content-type: video/mp2t"), r.toString());

        r = cli(withDevices(images, "verify"));
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("verified " + sources.size() + " file(s)"), r.toString());
        r = cli(withDevices(images, "fsck", "--data"));
        assertEquals(0, r.exitCode(), r.toString());

        // Both devices carry files: import spreads by free space.
        try (Catalogue catalogue = Catalogue.open(List.of(images[1], images[0]))) {
            final Set<Integer> devices = new HashSet<>();
            final List<CatalogueEntry> all = new ArrayList<>(catalogue.entries());
            all.forEach(e -> devices.add(e.device()));
            assertEquals(Set.of(0, 1), devices);
            assertEquals(sources.size(), catalogue.size());
        }

        r = cli(withDevices(images, "rm", "edge/size-1.bin", "hls/1/seg_000.ts"));
        assertEquals(0, r.exitCode(), r.toString());
        r = cli(withDevices(images, "ls"));
        assertEquals(sources.size() - 2, r.out().lines().count());
        r = cli(withDevices(images, "fsck"));
        assertEquals(0, r.exitCode(), r.toString());
        r = cli(withDevices(images, "df"));
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("generation 3"), r.toString());
    }
}
