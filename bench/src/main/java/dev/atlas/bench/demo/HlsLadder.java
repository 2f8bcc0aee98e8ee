package dev.atlas.bench.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * A short HLS ladder made by ffmpeg from its test sources (a test card and a sine tone): one
 * variant playlist per rendition, fixed-length segments cut on key frames, and a master
 * playlist naming the variants. File names are relative to {@link #root()}, as the catalogue
 * names them after an import of that directory. The demo plays one; {@code bench serve} serves
 * the segments of a larger one as its ladder content.
 */
public record HlsLadder(Path root, List<Rendition> renditions, int seconds, int segmentSeconds) {
    /** One rung of the ladder. */
    public record Rendition(int width, int height, int videoKilobitsPerSecond) {
        public String resolution() {
            return width + "x" + height;
        }
    }

    static final String MASTER = "master.m3u8";
    static final int FRAME_RATE = 25;
    public static final int SEGMENT_SECONDS = 2;
    static final List<Rendition> RENDITIONS = List.of(new Rendition(640, 360, 800), new Rendition(320, 180, 250));
    private static final int AUDIO_KILOBITS_PER_SECOND = 64;
    private static final int TONE_HERTZ = 440;
    private static final Duration FFMPEG_TIMEOUT = Duration.ofSeconds(120);

    /** Runs ffmpeg into {@code root} (created) and checks every expected file is there. */
    static HlsLadder make(Path root, int seconds) throws IOException, InterruptedException {
        return make(root, seconds, RENDITIONS);
    }

    /** A ladder of {@code renditions} (the first the largest) in {@code root}, made by ffmpeg and checked. */
    public static HlsLadder make(Path root, int seconds, List<Rendition> renditions)
            throws IOException, InterruptedException {
        final HlsLadder ladder = new HlsLadder(root, renditions, seconds, SEGMENT_SECONDS);
        Files.createDirectories(root);
        final ToolRun ffmpeg = ToolRun.run(FFMPEG_TIMEOUT, ladder.ffmpegCommand(), root);
        if (!ffmpeg.ok()) {
            throw new DemoFailure("ffmpeg could not make the HLS ladder: " + ffmpeg.failure());
        }
        for (String name : ladder.files()) {
            if (!Files.isRegularFile(root.resolve(name))) {
                throw new DemoFailure("ffmpeg finished but " + root.resolve(name) + " is missing; its output was:\n"
                        + ffmpeg.stderr().strip());
            }
        }
        return ladder;
    }

    /** The ffmpeg command line that writes this ladder, run in {@link #root()} so the playlists name files relative to it. */
    List<String> ffmpegCommand() {
        final Rendition top = renditions.getFirst();
        final int n = renditions.size();
        final StringJoiner filter = new StringJoiner(";");
        final StringBuilder split = new StringBuilder("[0:v]split=" + n);
        for (int i = 0; i < n; i++) {
            split.append("[s").append(i).append(']');
        }
        filter.add(split);
        for (int i = 0; i < n; i++) {
            final Rendition r = renditions.get(i);
            filter.add("[s" + i + "]scale=" + r.width() + ":" + r.height() + "[v" + i + "]");
        }
        final List<String> command = new ArrayList<>(List.of(
                "ffmpeg",
                "-hide_banner",
                "-loglevel",
                "error",
                "-nostdin",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=" + top.resolution() + ":rate=" + FRAME_RATE,
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=" + TONE_HERTZ + ":sample_rate=48000",
                "-t",
                Integer.toString(seconds),
                "-filter_complex",
                filter.toString()));
        final StringJoiner streamMap = new StringJoiner(" ");
        for (int i = 0; i < n; i++) {
            command.addAll(List.of("-map", "[v" + i + "]", "-map", "1:a"));
            command.addAll(List.of("-b:v:" + i, renditions.get(i).videoKilobitsPerSecond() + "k"));
            streamMap.add("v:" + i + ",a:" + i);
        }
        // A key frame at every segment boundary and nowhere else decided by scene cuts: segments of exactly
        // segmentSeconds.
        final String gop = Integer.toString(segmentSeconds * FRAME_RATE);
        command.addAll(List.of(
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-g",
                gop,
                "-keyint_min",
                gop,
                "-sc_threshold",
                "0",
                "-c:a",
                "aac",
                "-b:a",
                AUDIO_KILOBITS_PER_SECOND + "k",
                "-f",
                "hls",
                "-hls_time",
                Integer.toString(segmentSeconds),
                "-hls_playlist_type",
                "vod",
                "-var_stream_map",
                streamMap.toString(),
                "-master_pl_name",
                MASTER,
                "-hls_segment_filename",
                "v%v/seg-%03d.ts",
                "v%v/index.m3u8"));
        return command;
    }

    int segmentsPerRendition() {
        return (seconds + segmentSeconds - 1) / segmentSeconds;
    }

    /** Video frames of one rendition. */
    int frames() {
        return seconds * FRAME_RATE;
    }

    static String playlist(int rendition) {
        return "v" + rendition + "/index.m3u8";
    }

    static String segment(int rendition, int index) {
        return String.format(Locale.ROOT, "v%d/seg-%03d.ts", rendition, index);
    }

    /** Every segment of the ladder, rendition by rendition. */
    public List<String> segments() {
        final List<String> names = new ArrayList<>();
        for (int r = 0; r < renditions.size(); r++) {
            for (int s = 0; s < segmentsPerRendition(); s++) {
                names.add(segment(r, s));
            }
        }
        return names;
    }

    /** Every file of the ladder: the master playlist, then each rendition's playlist and segments. */
    List<String> files() {
        final List<String> names = new ArrayList<>(List.of(MASTER));
        for (int r = 0; r < renditions.size(); r++) {
            names.add(playlist(r));
            for (int s = 0; s < segmentsPerRendition(); s++) {
                names.add(segment(r, s));
            }
        }
        return names;
    }

    long totalBytes() throws IOException {
        long bytes = 0;
        for (String name : files()) {
            bytes += Files.size(root.resolve(name));
        }
        return bytes;
    }

    /** {@code 640x360, 320x180}. */
    String resolutions() {
        final StringJoiner joined = new StringJoiner(", ");
        renditions.forEach(r -> joined.add(r.resolution()));
        return joined.toString();
    }
}
