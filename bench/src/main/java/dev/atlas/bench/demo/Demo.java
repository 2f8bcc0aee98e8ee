package dev.atlas.bench.demo;

import dev.atlas.bench.netns.HostPrerequisites;
import dev.atlas.bench.netns.Topology;
import dev.atlas.bench.tcp.AtlasServerProcess;
import dev.atlas.catalogue.Sizes;
import dev.atlas.catalogue.cli.CatalogueCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One run of the demo: the ladder, the catalogue image, the namespaces and the server it made,
 * the steps that made and checked them, and the teardown that removes them again (once, whether
 * called at the end, after a failure or from the Ctrl-C hook).
 */
final class Demo {
    static final int STEPS = 8;
    static final String IMAGE_SIZE = "256M";
    private static final String NAMESPACE_PREFIX = "demo";
    private static final List<String> TOOLS = List.of("ffmpeg", "ffprobe", "ip", "ethtool", "curl");
    private static final Duration SERVER_READY = Duration.ofSeconds(30);
    private static final Duration PLAY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration CURL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration ACCESS_LOG_WAIT = Duration.ofSeconds(5);
    private static final long SAMPLE_MILLIS = 50;
    private static final int HTTP_OK = 200;
    private static final int HTTP_PARTIAL = 206;
    private static final long RANGE_FIRST = 1000;
    private static final long RANGE_LAST = 1999;
    /** Seconds of decoded media the player may fall short of the ladder (rounding at the end). */
    private static final double DURATION_SLACK_SECONDS = 0.5;

    private static final Pattern ACCESS_LINE = Pattern.compile("\"(\\S+) /(\\S*) HTTP/1\\.[01]\" (\\d{3}) ");

    private final PrintStream out;
    private final boolean keep;
    private final int seconds;
    private final Path workOption;
    private final Steps steps;

    private Path work;
    private HlsLadder ladder;
    private Path image;
    private String netName;
    private Topology net;
    private AtlasServerProcess server;
    private final AtomicLong peakBuffersInUse = new AtomicLong();
    private volatile boolean stopping;
    private boolean tornDown;
    private int serverExit;
    /** Serve and play over HTTPS (its own CA and certificate) instead of HTTP. */
    private final boolean tls;

    private DemoPki pki;

    Demo(PrintStream out, Path workOption, boolean keep, int seconds) {
        this(out, workOption, keep, seconds, false);
    }

    Demo(PrintStream out, Path workOption, boolean keep, int seconds, boolean tls) {
        this.tls = tls;
        this.out = out;
        this.workOption = workOption;
        this.keep = keep;
        this.seconds = seconds;
        this.steps = new Steps(out, STEPS);
    }

    /** Root and the tools; a sentence naming everything missing, or null when all is there. */
    static String missingPrerequisites() {
        final List<String> missing = HostPrerequisites.missing(TOOLS.toArray(String[]::new));
        return missing.isEmpty()
                ? null
                : "atlas demo needs " + String.join(", ", missing)
                        + "; run it as root: './atlas demo' installs the tools";
    }

    /** Creates the work directory and the namespace name, so a teardown knows what to remove from then on. */
    void prepare() throws IOException {
        if (workOption == null) {
            work = Files.createTempDirectory("atlas-demo-");
        } else {
            if (Files.isDirectory(workOption)) {
                try (Stream<Path> entries = Files.list(workOption)) {
                    if (entries.findAny().isPresent()) {
                        throw new DemoFailure(workOption + " is not empty; give --work a new or empty directory "
                                + "(the demo deletes its work directory at the end)");
                    }
                }
            }
            work = Files.createDirectories(workOption).toAbsolutePath();
        }
        netName = Topology.uniqueName(NAMESPACE_PREFIX);
        out.println("atlas demo: Atlas serves an HLS ladder from a catalogue image on its own TCP/IP stack,");
        out.println("            and ffmpeg plays it from another network namespace.");
        out.println(
                "work directory " + work + (keep ? " (kept at the end)" : " (removed at the end; --keep keeps it)"));
    }

    /** The eight steps; throws {@link DemoFailure} (or what a tool threw) at the first that fails. */
    void run() throws Exception {
        steps.run("make an HLS ladder (ffmpeg)", this::makeLadder);
        steps.run("import it into a catalogue", this::importLadder);
        steps.run("network namespaces", this::namespaces);
        steps.run("start Atlas", this::startServer);
        steps.run("play the stream (ffmpeg)", this::play);
        steps.run("fetch every file (curl)", this::fetchAndCompare);
        steps.run("probe the stream (ffprobe)", this::probe);
        steps.run("scrape /metrics", this::scrapeMetrics);
    }

    private String makeLadder() throws IOException, InterruptedException {
        ladder = HlsLadder.make(work.resolve("hls"), seconds);
        return String.format(
                Locale.ROOT,
                "%s; %d × %d s segments each; %d files, %s",
                ladder.resolutions(),
                ladder.segmentsPerRendition(),
                ladder.segmentSeconds(),
                ladder.files().size(),
                Sizes.human(ladder.totalBytes()));
    }

    private String importLadder() {
        image = work.resolve("catalogue.img");
        final String device = image.toString();
        final CliRun format = CliRun.catalogue("format", "-d", device, "--size", IMAGE_SIZE);
        if (format.exitCode() != 0) {
            throw new DemoFailure("could not format the catalogue image: " + format.words());
        }
        final CliRun imported =
                CliRun.catalogue("import", "-d", device, ladder.root().toString());
        if (imported.exitCode() != 0) {
            throw new DemoFailure("could not import the ladder: " + imported.words());
        }
        final CliRun listed = CliRun.catalogue("ls", "-d", device);
        final List<String> names = listed.out()
                .lines()
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .sorted()
                .toList();
        final List<String> expected = ladder.files().stream().sorted().toList();
        if (listed.exitCode() != 0 || !names.equals(expected)) {
            throw new DemoFailure(
                    "the catalogue lists " + names + " instead of the ladder's " + expected + " " + listed.words());
        }
        return image.getFileName() + " (" + Sizes.human(Sizes.parse(IMAGE_SIZE)) + "): "
                + imported.out().strip();
    }

    private String namespaces() {
        net = Topology.up(netName, Topology.Mode.DIRECT);
        return net.clientNamespace() + " (" + net.clientAddress() + ") —veth— " + net.serverNamespace()
                + " (Atlas owns " + net.serverAddress() + " on " + net.serverInterface() + ")";
    }

    private String startServer() throws IOException, InterruptedException {
        final List<String> serveArgs = new ArrayList<>();
        if (tls) {
            pki = DemoPki.make(work.resolve("pki"), Topology.SERVER_ADDRESS);
            serveArgs.addAll(List.of(
                    "--tls-cert",
                    pki.certificate().toString(),
                    "--tls-key",
                    pki.key().toString()));
        }
        try {
            server = AtlasServerProcess.startCatalogue(
                    net.serverNamespace(),
                    net.serverInterface(),
                    net.serverCidr(),
                    List.of(image),
                    serveArgs,
                    work.resolve("server"));
            server.awaitReady(SERVER_READY);
        } catch (IOException e) {
            throw new DemoFailure(
                    "the Atlas server did not start: "
                            + e.getMessage().lines().findFirst().orElse(""),
                    e);
        }
        final long deadline = System.nanoTime() + SERVER_READY.toNanos();
        String status = "";
        while (System.nanoTime() < deadline) {
            final ToolRun ready = ToolRun.run(
                    CURL_TIMEOUT,
                    ToolRun.inNamespace(
                            net.serverNamespace(),
                            List.of(
                                    "curl",
                                    "-sS",
                                    "--max-time",
                                    "2",
                                    "-o",
                                    "/dev/null",
                                    "-w",
                                    "%{http_code}",
                                    server.managementUrl("/readyz"))));
            status = ready.stdout().strip();
            if (status.equals(Integer.toString(HTTP_OK))) {
                return "pid " + server.pid() + ", serving " + url("") + ", /readyz 200 on "
                        + AtlasServerProcess.MANAGEMENT
                        + (tls
                                ? "; certificate for " + Topology.SERVER_ADDRESS + " from the demo's own CA ("
                                        + pki.caCertificate() + ")"
                                : "");
            }
            if (!server.isAlive()) {
                break;
            }
            Thread.sleep(100);
        }
        throw new DemoFailure("the Atlas server never answered /readyz with 200 (last answer: '" + status + "')");
    }

    private String play() throws Exception {
        final Thread sampler = Thread.ofVirtual().name("demo-buffer-sampler").start(this::sampleBuffers);
        final ToolRun play;
        try {
            play = ToolRun.run(PLAY_TIMEOUT, ToolRun.inNamespace(net.clientNamespace(), playCommand(false)));
        } finally {
            sampler.interrupt();
            sampler.join();
        }
        if (!play.ok()) {
            throw new DemoFailure("playback failed: " + play.failure());
        }
        final Map<String, String> progress = lastProgress(play.stdout());
        final long frames = parseLong(progress.get("frame"));
        final double decoded = parseLong(progress.get("out_time_us")) / 1e6;
        if (!"end".equals(progress.get("progress"))
                || frames < ladder.frames()
                || decoded < seconds - DURATION_SLACK_SECONDS) {
            throw new DemoFailure(String.format(
                    Locale.ROOT,
                    "ffmpeg finished but decoded only %d frames (%.2f s) of the "
                            + "%d frames (%d s) in the ladder; its messages:%n%s",
                    frames,
                    decoded,
                    ladder.frames(),
                    seconds,
                    play.stderr().strip()));
        }
        final Map<String, List<Integer>> served = awaitAccessLog(ladder.files());
        final Map<Integer, Integer> statuses = new TreeMap<>();
        int requests = 0;
        for (List<Integer> codes : served.values()) {
            for (int code : codes) {
                statuses.merge(code, 1, Integer::sum);
                requests++;
            }
        }
        for (String name : ladder.files()) {
            if (served.getOrDefault(name, List.of()).stream().noneMatch(Demo::success)) {
                throw new DemoFailure("ffmpeg played the stream but the access log shows no successful GET of " + name
                        + " (statuses by name: " + served + ")");
            }
        }
        final String noise = play.stderr().isBlank()
                ? ""
                : "; ffmpeg said: " + play.stderr().strip().lines().findFirst().orElse("");
        return String.format(
                Locale.ROOT,
                "decoded %.1f s (%d frames) of all %d renditions; %d requests, status %s%s",
                decoded,
                frames,
                ladder.renditions().size(),
                requests,
                counts(statuses),
                noise);
    }

    /** The playback command the demo runs and shows: every rendition ({@code -map 0}) decoded to nothing. */
    List<String> playCommand(boolean forOperator) {
        final List<String> command = new ArrayList<>(List.of("ffmpeg", "-hide_banner", "-nostdin"));
        if (!forOperator) {
            command.addAll(List.of("-nostats", "-loglevel", "error", "-progress", "pipe:1"));
        }
        command.addAll(List.of("-i", url(HlsLadder.MASTER), "-map", "0", "-f", "null", "-"));
        return command;
    }

    private void sampleBuffers() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                peakBuffersInUse.accumulateAndGet(server.stat("disk.buffersInUse"), Math::max);
                Thread.sleep(SAMPLE_MILLIS);
            }
        } catch (InterruptedException | IOException done) {
            // Playback is over (or the stats file was being replaced): the peak so far stands.
        }
    }

    /** The last block of ffmpeg's {@code -progress} output (key=value lines, each block ending with progress=…). */
    static Map<String, String> lastProgress(String text) {
        final Map<String, String> values = new HashMap<>();
        for (String line : text.lines().toList()) {
            final int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        }
        return values;
    }

    /** Waits until the access log holds a line for each of {@code names}; returns every status per name seen so far. */
    private Map<String, List<Integer>> awaitAccessLog(List<String> names) throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + ACCESS_LOG_WAIT.toNanos();
        while (true) {
            final Map<String, List<Integer>> served = accessLog();
            if (served.keySet().containsAll(names) || System.nanoTime() > deadline) {
                return served;
            }
            Thread.sleep(SAMPLE_MILLIS);
        }
    }

    private Map<String, List<Integer>> accessLog() throws IOException {
        final Map<String, List<Integer>> served = new LinkedHashMap<>();
        final List<String> lines;
        try {
            lines = Files.readAllLines(server.accessLog(), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return served;
        }
        for (String line : lines) {
            final Matcher m = ACCESS_LINE.matcher(line);
            if (m.find()) {
                served.computeIfAbsent(m.group(2), k -> new ArrayList<>()).add(Integer.parseInt(m.group(3)));
            }
        }
        return served;
    }

    private String fetchAndCompare() throws IOException, InterruptedException {
        final Path fetched = work.resolve("fetched");
        final List<String> command = new ArrayList<>(List.of(
                "curl",
                "-sS",
                "--fail",
                "--max-time",
                Long.toString(CURL_TIMEOUT.toSeconds()),
                "--create-dirs",
                "-w",
                "%{http_code} %{num_connects}\\n"));
        command.addAll(trust());
        for (String name : ladder.files()) {
            command.addAll(List.of("-o", fetched.resolve(name).toString(), url(name)));
        }
        final ToolRun curl =
                ToolRun.run(CURL_TIMEOUT.plusSeconds(5), ToolRun.inNamespace(net.clientNamespace(), command));
        if (!curl.ok()) {
            throw new DemoFailure("fetching the ladder back failed: " + curl.failure());
        }
        int connections = 0;
        for (String line : curl.stdout().lines().toList()) {
            final String[] fields = line.strip().split(" ");
            if (fields.length == 2) {
                connections += Integer.parseInt(fields[1]);
            }
        }
        long bytes = 0;
        for (String name : ladder.files()) {
            final Path source = ladder.root().resolve(name);
            final long mismatch = Files.mismatch(source, fetched.resolve(name));
            if (mismatch != -1) {
                throw new DemoFailure(url(name) + " differs from " + source + " at byte " + mismatch);
            }
            bytes += Files.size(source);
        }
        final String largest = ladder.files().stream()
                .max(Comparator.comparingLong(n -> size(ladder.root().resolve(n))))
                .orElseThrow();
        final Path part = fetched.resolve("range.bin");
        final List<String> rangeCommand = new ArrayList<>(List.of(
                "curl",
                "-sS",
                "--fail",
                "--max-time",
                Long.toString(CURL_TIMEOUT.toSeconds()),
                "-r",
                RANGE_FIRST + "-" + RANGE_LAST,
                "-o",
                part.toString(),
                "-w",
                "%{http_code}"));
        rangeCommand.addAll(trust());
        rangeCommand.add(url(largest));
        final ToolRun range = ToolRun.run(CURL_TIMEOUT, ToolRun.inNamespace(net.clientNamespace(), rangeCommand));
        final byte[] whole = Files.readAllBytes(ladder.root().resolve(largest));
        final byte[] expected = Arrays.copyOfRange(whole, (int) RANGE_FIRST, (int) RANGE_LAST + 1);
        if (!range.ok()
                || !range.stdout().strip().equals(Integer.toString(HTTP_PARTIAL))
                || !Arrays.equals(expected, Files.readAllBytes(part))) {
            throw new DemoFailure("the byte range " + RANGE_FIRST + "-" + RANGE_LAST + " of " + largest
                    + " did not come back as a " + "206 with the file's bytes (status '"
                    + range.stdout().strip() + "'); " + range.failure());
        }
        return String.format(
                Locale.ROOT,
                "%d files, %s, byte-identical to the sources over %d connection(s); "
                        + "bytes=%d-%d of %s: 206, identical",
                ladder.files().size(),
                Sizes.human(bytes),
                connections,
                RANGE_FIRST,
                RANGE_LAST,
                largest);
    }

    private String probe() throws IOException, InterruptedException {
        final ToolRun probe = ToolRun.run(
                CURL_TIMEOUT,
                ToolRun.inNamespace(
                        net.clientNamespace(),
                        List.of(
                                "ffprobe",
                                "-v",
                                "error",
                                "-show_entries",
                                "stream=index,codec_type,codec_name,width,height:format=duration",
                                "-of",
                                "compact=p=0",
                                url(HlsLadder.MASTER))));
        if (!probe.ok()) {
            throw new DemoFailure("ffprobe could not read the stream: " + probe.failure());
        }
        // Streams appear once per program and once at top level: keep one per index.
        final Map<String, Map<String, String>> streams = new TreeMap<>();
        double duration = Double.NaN;
        for (String line : probe.stdout().lines().toList()) {
            final Map<String, String> fields = new LinkedHashMap<>();
            for (String pair : line.strip().split("\\|")) {
                final int eq = pair.indexOf('=');
                if (eq > 0) {
                    fields.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
            }
            if (fields.containsKey("index")) {
                streams.put(fields.get("index"), fields);
            } else if (fields.containsKey("duration")) {
                duration = parseDouble(fields.get("duration"));
            }
        }
        final List<String> video = new ArrayList<>();
        final List<String> audio = new ArrayList<>();
        for (Map<String, String> s : streams.values()) {
            if ("video".equals(s.get("codec_type"))) {
                video.add(s.get("codec_name") + " " + s.get("width") + "x" + s.get("height"));
            } else if ("audio".equals(s.get("codec_type"))) {
                audio.add(s.get("codec_name"));
            }
        }
        for (HlsLadder.Rendition r : ladder.renditions()) {
            if (video.stream().noneMatch(v -> v.endsWith(" " + r.resolution()))) {
                throw new DemoFailure("ffprobe finds no " + r.resolution() + " video in the stream: "
                        + probe.stdout().strip());
            }
        }
        if (audio.size() != ladder.renditions().size() || !(Math.abs(duration - seconds) <= DURATION_SLACK_SECONDS)) {
            throw new DemoFailure("ffprobe sees " + audio.size() + " audio stream(s) and " + duration + " s, expected "
                    + ladder.renditions().size() + " and " + seconds + " s: "
                    + probe.stdout().strip());
        }
        return String.format(
                Locale.ROOT,
                "video %s; audio %s; %.2f s",
                String.join(", ", video),
                String.join(", ", audio),
                duration);
    }

    private String scrapeMetrics() throws IOException, InterruptedException {
        final ToolRun scrape = ToolRun.run(
                CURL_TIMEOUT,
                ToolRun.inNamespace(
                        net.serverNamespace(),
                        List.of("curl", "-sS", "--fail", "--max-time", "10", server.managementUrl("/metrics"))));
        if (!scrape.ok()) {
            throw new DemoFailure("could not scrape " + server.managementUrl("/metrics") + ": " + scrape.failure());
        }
        final PrometheusText m;
        try {
            m = PrometheusText.parse(scrape.stdout());
        } catch (IllegalArgumentException e) {
            throw new DemoFailure("/metrics is not valid Prometheus text: " + e.getMessage(), e);
        }
        final Map<String, Double> byStatus = m.sumBy("atlas_http_requests_total", "status");
        long ok = 0;
        long serverErrors = 0;
        final Map<Integer, Integer> nonZero = new TreeMap<>();
        for (Map.Entry<String, Double> e : byStatus.entrySet()) {
            final int status = Integer.parseInt(e.getKey());
            final long count = Math.round(e.getValue());
            if (count > 0) {
                nonZero.put(status, (int) count);
            }
            if (success(status)) {
                ok += count;
            } else if (status >= 500) {
                serverErrors += count;
            }
        }
        final long reads = Math.round(m.sum("atlas_disk_reads_total"));
        final long diskErrors = Math.round(m.sum("atlas_disk_errors_total"));
        final long responseBytes = Math.round(m.sum("atlas_http_response_bytes_total"));
        final double latencySum = m.sum("atlas_disk_read_latency_seconds_total");
        final long segments = Math.round(m.sum("atlas_tcp_segments_sent_total"));
        final long frames = Math.round(m.sum("atlas_tcp_frames_sent_total"));
        steps.detail(pad("requests") + counts(nonZero) + "  (atlas_http_requests_total by status)");
        steps.detail(pad("responses") + Sizes.human(responseBytes)
                + " acknowledged by clients (atlas_http_response_bytes_total)");
        steps.detail(pad("disk")
                + String.format(
                        Locale.ROOT,
                        "%d reads, %s, mean %.2f ms, max %.2f ms, %d errors",
                        reads,
                        Sizes.human(Math.round(m.sum("atlas_disk_read_bytes_total"))),
                        reads == 0 ? 0 : latencySum / reads * 1e3,
                        m.max("atlas_disk_read_latency_max_seconds") * 1e3,
                        diskErrors));
        steps.detail(pad("tcp")
                + String.format(
                        Locale.ROOT,
                        "%d segments in %d TSO frames (%.1f per frame), %d retransmitted",
                        segments,
                        frames,
                        frames == 0 ? 0 : (double) segments / frames,
                        Math.round(m.sum("atlas_tcp_retransmits_total"))));
        steps.detail(pad("copies") + copies(m));
        final long llc = Math.round(m.max("atlas_llc_size_bytes"));
        steps.detail(pad("pipeline")
                + String.format(
                        Locale.ROOT,
                        "working set %s now, peak %d of %d chunk buffers in use "
                                + "during playback (sampled); last-level cache %s",
                        Sizes.human(Math.round(m.sum("atlas_pipeline_working_set_bytes"))),
                        peakBuffersInUse.get(),
                        Math.round(m.sum("atlas_buffers")),
                        llc > 0 ? Sizes.human(llc) : "size unknown (sysfs does not say)"));
        if (tls) {
            final Map<String, Double> handshakes = m.sumBy("atlas_tls_handshakes_total", "result");
            final long sealed = Math.round(m.sum("atlas_seal_bytes_total"));
            steps.detail(pad("tls")
                    + String.format(
                            Locale.ROOT,
                            "%.0f handshakes ok, %.0f failed; %s sealed by our record layer "
                                    + "(atlas_tls_handshakes_total, atlas_seal_bytes_total)",
                            handshakes.getOrDefault("ok", 0.0),
                            handshakes.getOrDefault("failed", 0.0),
                            Sizes.human(sealed)));
            if (handshakes.getOrDefault("ok", 0.0) < 1 || sealed < responseBytes / 2) {
                throw new DemoFailure("/metrics shows no completed TLS handshake or fewer sealed bytes (" + sealed
                        + ") than the responses need");
            }
        }
        final long expectedOk = 2L * ladder.files().size() + 1;
        if (ok < expectedOk || serverErrors > 0 || reads == 0 || diskErrors > 0 || m.sum("atlas_ready") < 1) {
            throw new DemoFailure(String.format(
                    Locale.ROOT,
                    "/metrics disagrees with what the clients saw: %d successful "
                            + "responses (want ≥ %d), %d server errors, %d disk reads, %d disk errors, atlas_ready %.0f",
                    ok,
                    expectedOk,
                    serverErrors,
                    reads,
                    diskErrors,
                    m.sum("atlas_ready")));
        }
        return m.samples().size() + " samples from " + server.managementUrl("/metrics");
    }

    private static String copies(PrometheusText m) {
        final Map<String, Double> byReason = m.sumBy("atlas_copy_bytes_total", "reason");
        if (byReason.isEmpty()) {
            return "none counted";
        }
        final StringJoiner joined = new StringJoiner(", ");
        byReason.forEach((reason, bytes) -> joined.add(Sizes.human(Math.round(bytes)) + " " + reason));
        return joined + " (software copies on the data path, atlas_copy_bytes_total)";
    }

    /** Copy-pasteable commands for the operator, printed before waiting for Ctrl-C. */
    void printTryIt() {
        final String cli = "ip netns exec " + net.clientNamespace() + " ";
        final String srv = "ip netns exec " + net.serverNamespace() + " ";
        out.println();
        out.println("Atlas is serving " + url(HlsLadder.MASTER) + " (reachable only from " + net.clientNamespace()
                + "). Try:");
        out.println("  " + cli + String.join(" ", playCommand(true)));
        out.println("  " + cli + "ffplay " + url(HlsLadder.MASTER) + "        # needs a display");
        final String ca = String.join(" ", trust()) + (tls ? " " : "");
        out.println("  " + cli + "curl -sI " + ca + url(HlsLadder.segment(0, 0)));
        out.println("  " + cli + "curl -s -r 0-99 " + ca + url(HlsLadder.MASTER));
        out.println("  " + srv + "curl -s " + server.managementUrl("/metrics") + " | grep ^atlas_");
        out.println("  " + srv + "curl -s " + server.managementUrl("/readyz"));
        out.println("  tail -f " + server.accessLog());
        out.println(
                "Server log: " + work.resolve("server").resolve("server.log") + ". Press Ctrl-C to stop the server, "
                        + "remove the namespaces" + (keep ? "" : " and delete " + work) + ".");
    }

    /** Prints what failed, with the end of the server's log when there is a server. */
    void reportFailure(Throwable e) {
        if (stopping) {
            return;
        }
        final String message =
                e instanceof DemoFailure || e instanceof IllegalStateException || e instanceof UncheckedIOException
                        ? e.getMessage()
                        : e.toString();
        if (steps.current() == 0) {
            out.println("atlas demo: " + message);
        } else {
            out.println();
            out.println("atlas demo: step " + steps.current() + " \"" + steps.title() + "\" failed: " + message);
        }
        if (server != null && !server.isAlive()) {
            out.println("  the Atlas server is no longer running.");
        }
        if (server != null) {
            out.println(
                    "  last lines of the server log " + work.resolve("server").resolve("server.log") + ":");
            server.logTail().lines().forEach(line -> out.println("    " + line));
        }
        if (System.getenv("ATLAS_DEBUG") != null) {
            e.printStackTrace(out);
        }
    }

    /** From the Ctrl-C hook: no failure reports from the steps the signal cut short, then the teardown. */
    void interrupted() {
        stopping = true;
        steps.silence();
        out.println();
        out.println("atlas demo: stopping");
        teardown();
    }

    /** Stops the server, removes the namespaces and (unless kept) the work directory; once. */
    synchronized void teardown() {
        if (tornDown) {
            return;
        }
        tornDown = true;
        final long start = System.nanoTime();
        final StringJoiner done = new StringJoiner(", ");
        if (server != null) {
            try {
                serverExit = server.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                serverExit = -1;
            }
            done.add("server exited with " + serverExit);
        }
        if (net != null) {
            net.close();
            done.add("namespaces removed");
        } else if (netName != null && Topology.removeByName(netName)) {
            done.add("namespaces removed");
        }
        if (work != null) {
            if (keep) {
                done.add("work directory kept: " + work);
            } else {
                try {
                    deleteTree(work);
                    done.add("work directory removed");
                } catch (IOException e) {
                    done.add("could not remove " + work + " (" + e.getMessage() + ")");
                }
            }
        }
        if (done.length() > 0) {
            out.printf(Locale.ROOT, "teardown: %s  (%.1f s)%n", done, (System.nanoTime() - start) / 1e9);
            out.flush();
        }
    }

    /** The server's exit code after {@link #teardown()} (0 after SIGTERM when all went well). */
    int serverExit() {
        return serverExit;
    }

    String serverLogTail() {
        return server == null ? "" : server.logTail();
    }

    private String url(String name) {
        return (tls ? "https://" : "http://") + Topology.SERVER_ADDRESS + "/" + name;
    }

    /** curl's options for the demo's CA (HTTPS: every transfer verifies the server's certificate). */
    private List<String> trust() {
        return tls ? List.of("--cacert", pki.caCertificate().toString()) : List.of();
    }

    private static boolean success(int status) {
        return status == HTTP_OK || status == HTTP_PARTIAL;
    }

    private static String counts(Map<Integer, Integer> byStatus) {
        final StringJoiner joined = new StringJoiner(", ");
        byStatus.forEach((status, count) -> joined.add(status + " × " + count));
        return joined.length() == 0 ? "none" : joined.toString();
    }

    private static String pad(String label) {
        return String.format(Locale.ROOT, "%-10s", label);
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long parseLong(String text) {
        try {
            return text == null ? 0 : Long.parseLong(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static double parseDouble(String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The catalogue CLI run in this JVM with its output captured, so a step can quote it in one line. */
    record CliRun(int exitCode, String out, String err) {
        static CliRun catalogue(String... args) {
            synchronized (System.class) {
                final PrintStream savedOut = System.out;
                final PrintStream savedErr = System.err;
                final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
                final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
                System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
                System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
                final int code;
                try {
                    code = CatalogueCli.run(args);
                } finally {
                    System.setOut(savedOut);
                    System.setErr(savedErr);
                }
                return new CliRun(
                        code, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
            }
        }

        /** What the CLI said, on one line. */
        String words() {
            final String said = (err + " " + out).strip().replaceAll("\\s*\\n\\s*", "; ");
            return said.isEmpty() ? "(atlas-catalogue exited with " + exitCode + " and said nothing)" : said;
        }
    }
}
