package dev.atlas.bench.serve;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Writes one run set: {@code runs.csv} (a row per measured run), {@code latency-cdf.csv}, the gnuplot
 * data and script and the PNGs they make (throughput and CPU per GB against connections, a line
 * per server and case, like the thesis's Figs. 4.12/4.14; latency CDFs at the spread point), and
 * {@code summary.md} with medians, Atlas/nginx ratios, the spread and the exact commands.
 */
final class ResultsWriter {
    private static final String[] COLOURS = {"#1f77b4", "#2ca02c", "#9467bd", "#d62728", "#ff7f0e"};

    private final Path dir;
    private final RunPlan plan;
    private final List<RunResult> runs;
    private final List<String> notes;
    private final Map<String, String> commandLines;
    private final String invocation;
    private final double minutes;
    private final String loadAtStart;

    ResultsWriter(
            Path dir,
            RunPlan plan,
            List<RunResult> runs,
            List<String> notes,
            Map<String, String> commandLines,
            String invocation,
            double minutes,
            String loadAtStart) {
        this.loadAtStart = loadAtStart;
        this.dir = dir;
        this.plan = plan;
        this.runs = List.copyOf(runs);
        this.notes = new ArrayList<>(notes);
        this.commandLines = commandLines;
        this.invocation = invocation;
        this.minutes = minutes;
    }

    void writeAll() throws IOException, InterruptedException {
        Files.createDirectories(dir);
        writeCsv();
        final List<String> plots = writePlots();
        Files.writeString(dir.resolve("summary.md"), summary(plots), StandardCharsets.UTF_8);
    }

    private void writeCsv() throws IOException {
        final StringBuilder csv = new StringBuilder(RunResult.csvHeader()).append('\n');
        final StringBuilder cdf =
                new StringBuilder("rtt,content,server,connections,repetition,percentile,latency_ms\n");
        for (RunResult r : runs) {
            csv.append(r.csvRow()).append('\n');
            r.wrk()
                    .latencyPercentilesMicros()
                    .forEach((p, us) -> cdf.append(String.format(
                            Locale.ROOT,
                            "%s,%s,%s,%d,%d,%.2f,%.3f%n",
                            r.rtt().id(),
                            r.contentCase().id(),
                            r.server().id(),
                            r.connections(),
                            r.repetition(),
                            p,
                            us / 1000.0)));
        }
        Files.writeString(dir.resolve("runs.csv"), csv);
        Files.writeString(dir.resolve("latency-cdf.csv"), cdf);
    }

    /** Runs of one (rtt, case, server, connections) point. */
    private List<RunResult> point(Rtt rtt, ContentCase c, ServerKind s, int connections) {
        return runs.stream()
                .filter(r ->
                        r.rtt() == rtt && r.contentCase() == c && r.server() == s && r.connections() == connections)
                .toList();
    }

    static double median(List<RunResult> rs, ToDoubleFunction<RunResult> f) {
        final List<Double> v = new ArrayList<>(
                rs.stream().mapToDouble(f).filter(d -> !Double.isNaN(d)).boxed().toList());
        if (v.isEmpty()) {
            return Double.NaN;
        }
        Collections.sort(v);
        final int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    private List<ServerKind> measuredServers() {
        return plan.servers().stream()
                .filter(s -> runs.stream().anyMatch(r -> r.server() == s))
                .toList();
    }

    private List<Rtt> measuredRtts() {
        return java.util.Arrays.stream(Rtt.values())
                .filter(t -> runs.stream().anyMatch(r -> r.rtt() == t))
                .toList();
    }

    private List<ContentCase> measuredCases(Rtt rtt) {
        return java.util.Arrays.stream(ContentCase.values())
                .filter(c -> runs.stream().anyMatch(r -> r.rtt() == rtt && r.contentCase() == c))
                .toList();
    }

    // ---- plots

    private List<String> writePlots() throws IOException, InterruptedException {
        final Path data = dir.resolve("plot-data");
        Files.createDirectories(data);
        final StringBuilder gp = new StringBuilder();
        gp.append("# gnuplot script of `./atlas bench serve`; run in this directory: gnuplot plots.gp\n")
                .append("set terminal pngcairo size 960,600 font \",11\"\n")
                .append("set grid\nset key below\nset datafile separator whitespace\n");
        final List<String> pngs = new ArrayList<>();
        for (Rtt rtt : measuredRtts()) {
            final List<String> series = new ArrayList<>();
            int colour = 0;
            for (ServerKind s : measuredServers()) {
                for (ContentCase c : measuredCases(rtt)) {
                    final StringBuilder rows =
                            new StringBuilder("# connections gbit_per_s cpu_s_per_gb gbit_per_server_core p99_ms\n");
                    for (int n : plan.connections()) {
                        final List<RunResult> rs = point(rtt, c, s, n);
                        if (!rs.isEmpty()) {
                            rows.append(String.format(
                                    Locale.ROOT,
                                    "%d %.4f %.4f %.4f %.3f%n",
                                    n,
                                    median(rs, RunResult::gbitPerSecond),
                                    median(rs, RunResult::cpuSecondsPerGB),
                                    median(rs, RunResult::gbitPerServerCore),
                                    median(rs, r -> r.wrk().latencyMillis(99))));
                        }
                    }
                    final String file = "plot-data/" + rtt.id() + "-" + s.id() + "-" + c.id() + ".dat";
                    Files.writeString(dir.resolve(file), rows);
                    series.add(String.format(
                            "\"%s\" using 1:@COLUMN@ with linespoints lw 2 pt 7 lc rgb \"%s\" dt %d title \"%s, %s\"",
                            file,
                            COLOURS[colour % COLOURS.length],
                            c == ContentCase.COLD ? 1 : 2,
                            s.label(),
                            c.label()));
                }
                colour++;
            }
            pngs.add(lines(
                    gp,
                    "throughput-" + rtt.id() + ".png",
                    "Body throughput against connections, " + rtt.label() + " (median of runs)",
                    "body Gb/s",
                    series,
                    2,
                    false));
            pngs.add(lines(
                    gp,
                    "cpu-per-gb-" + rtt.id() + ".png",
                    "Server CPU per GB served, " + rtt.label(),
                    "server CPU-seconds per GB (log scale)",
                    series,
                    3,
                    true));
            for (ContentCase c : measuredCases(rtt)) {
                pngs.add(cdf(gp, data, rtt, c));
            }
        }
        Files.writeString(dir.resolve("plots.gp"), gp);
        final Process gnuplot = new ProcessBuilder("gnuplot", "plots.gp")
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        final String out = new String(gnuplot.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!gnuplot.waitFor(60, TimeUnit.SECONDS) || gnuplot.exitValue() != 0) {
            notes.add(
                    "gnuplot failed, so the PNGs are missing or incomplete (its data and plots.gp are here to retry): "
                            + out.strip());
        }
        return pngs;
    }

    /** A figure against connections (log x); a log y-axis where a collapse would flatten every other line. */
    private static String lines(
            StringBuilder gp, String png, String title, String ylabel, List<String> series, int column, boolean logY) {
        gp.append("\nset output \"")
                .append(png)
                .append("\"\n")
                .append("set title \"")
                .append(title)
                .append("\"\n")
                .append("set logscale x\n")
                .append(logY ? "set logscale y\nset yrange [*:*]\n" : "unset logscale y\nset yrange [0:*]\n")
                .append("set xlabel \"connections\"\nset ylabel \"")
                .append(ylabel)
                .append("\"\n")
                .append("set xrange [*:*]\n")
                .append("plot ")
                .append(String.join(
                        ", \\\n     ",
                        series.stream()
                                .map(s -> s.replace("@COLUMN@", Integer.toString(column)))
                                .toList()))
                .append('\n');
        return png;
    }

    private String cdf(StringBuilder gp, Path data, Rtt rtt, ContentCase c) throws IOException {
        final List<String> series = new ArrayList<>();
        int colour = 0;
        for (ServerKind s : measuredServers()) {
            final List<RunResult> rs = point(rtt, c, s, plan.spreadConnections());
            if (!rs.isEmpty()) {
                final RunResult first = rs.getFirst();
                final StringBuilder rows = new StringBuilder("# latency_ms fraction\n");
                first.wrk()
                        .latencyPercentilesMicros()
                        .forEach((p, us) -> rows.append(
                                String.format(Locale.ROOT, "%.3f %.4f%n", Math.max(us, 1) / 1000.0, p / 100.0)));
                final String file = "plot-data/cdf-" + rtt.id() + "-" + c.id() + "-" + s.id() + ".dat";
                Files.writeString(data.resolve(file.substring("plot-data/".length())), rows);
                series.add(String.format(
                        "\"%s\" using 1:2 with linespoints lw 2 pt 7 lc rgb \"%s\" title \"%s\"",
                        file, COLOURS[colour % COLOURS.length], s.label()));
            }
            colour++;
        }
        final String png = "latency-cdf-" + rtt.id() + "-" + c.id() + ".png";
        gp.append("\nset output \"")
                .append(png)
                .append("\"\n")
                .append("set title \"Request latency CDF, ")
                .append(plan.spreadConnections())
                .append(" connections, ")
                .append(c.label())
                .append(", ")
                .append(rtt.label())
                .append("\"\n")
                .append(
                        "set logscale x\nunset logscale y\nset xlabel \"latency (ms, log scale)\"\nset ylabel \"fraction of requests\"\n")
                .append("set yrange [0:1]\nset xrange [*:*]\n")
                .append("plot ")
                .append(String.join(", \\\n     ", series))
                .append('\n');
        return png;
    }

    // ---- summary

    private String summary(List<String> pngs) throws IOException {
        final StringBuilder md = new StringBuilder();
        md.append("# `./atlas bench serve`: ").append(dir.getFileName()).append("\n\n");
        md.append("Command: `")
                .append(invocation)
                .append("` (")
                .append(plan.mode())
                .append(" mode, ")
                .append(String.format(Locale.ROOT, "%.1f", minutes))
                .append(" minutes, ")
                .append(runs.size())
                .append(" measured runs).\n\n");
        md.append("## Machine\n\n")
                .append(Machine.describe())
                .append("- Load average (1/5/15 min) at the start: ")
                .append(loadAtStart)
                .append("; at the end: ")
                .append(Machine.loadAverage())
                .append(" (other work on the machine competes for the same cores)\n\n");
        conditions(md);
        results(md);
        ratios(md);
        https(md);
        spread(md);
        atlasCounters(md);
        md.append("## Plots\n\n");
        for (String png : pngs) {
            md.append("- [").append(png).append("](").append(png).append(")\n");
        }
        md.append(
                        "\nThroughput and CPU plots: one colour per server, solid lines for the 0% cache case, dashed for 100%;"
                                + " every point is the median of its runs. Latency CDFs: the first run at ")
                .append(plan.spreadConnections())
                .append(" connections.\n\n");
        if (!notes.isEmpty()) {
            md.append("## Notes\n\n");
            notes.forEach(n -> md.append("- ").append(n).append('\n'));
            md.append('\n');
        }
        md.append("## Command lines\n\n(`<results>` is this directory.)\n\n");
        commandLines.forEach((what, line) -> md.append("- ")
                .append(what)
                .append(": `")
                .append(line.replace(dir.toAbsolutePath().toString(), "<results>"))
                .append("`\n"));
        return md.toString();
    }

    private void conditions(StringBuilder md) {
        md.append("## Conditions\n\n");
        md.append(String.format(
                Locale.ROOT,
                "- Content: random %d KiB chunks; cold set %d chunks (%.2f GiB), hot set %d chunks"
                        + " (%.0f MiB); the same files in a directory tree (nginx) and in one catalogue image (Atlas).%n",
                ContentSet.CHUNK_BYTES / 1024,
                plan.coldChunks(),
                (double) plan.coldChunks() * ContentSet.CHUNK_BYTES / (1L << 30),
                plan.hotChunks(),
                (double) plan.hotChunks() * ContentSet.CHUNK_BYTES / (1 << 20)));
        final long coldBytes = Math.max(1, (long) plan.coldChunks() * ContentSet.CHUNK_BYTES);
        final List<String> limits = new ArrayList<>();
        for (int n : plan.connections()) {
            limits.add(String.format(
                    Locale.ROOT,
                    "%d MiB at %d (%.0f%% of the cold set)",
                    plan.cgroupBytesFor(n) >> 20,
                    n,
                    100.0 * plan.cgroupBytesFor(n) / coldBytes));
        }
        md.append(
                "- 0% cache: nginx in a memory cgroup that holds the chunks in flight but not the set, caches dropped before"
                        + " every run. Its limit is the configured one or 1.25 × connections × chunk + 32 MiB, whichever is larger (pages"
                        + " queued by sendfile cannot be evicted; below that nginx re-reads what it sends or is OOM-killed): "
                        + String.join(", ", limits)
                        + ". 100% cache: the hot set read into the page cache before every run. Atlas reads"
                        + " every byte from the drive with O_DIRECT in both cases.\n");
        if (plan.mode().equals("quick")) {
            md.append(
                    "- Quick mode: the cold set (1 GiB) and nginx's base cgroup (64 MiB) are smaller than the full run's (6 GB"
                            + " in 256 MB) at about the same ratio; at 1,000 connections the chunks in flight need more, so there up to"
                            + " the share above of the smaller set can be resident (the full run's 6 GB set keeps it lower); runs are"
                            + " 4 s; the delay bands are measured on cold content only; HTTPS (Atlas on 1 lane, nginx) only on cold"
                            + " content without delay.\n");
        }
        md.append(String.format(
                Locale.ROOT,
                "- Load: wrk, up to 2 threads, random chunks over persistent connections, %d s per run"
                        + " after a %d s warm-up per server start, request timeout %d s; %d repetitions at %d connections, one run at"
                        + " the other counts; servers alternate order between repetitions.%n",
                plan.seconds(),
                plan.warmupSeconds(),
                WrkLoad.REQUEST_TIMEOUT_SECONDS,
                plan.repetitions(),
                plan.spreadConnections()));
        if (plan.servers().stream().anyMatch(ServerKind::isHttps)) {
            md.append(
                            "- HTTPS: TLS 1.3 with AES-128-GCM for both servers (wrk offers only that suite, nginx prefers it), one"
                                    + " ECDSA P-256 certificate from a CA made for the run, a full handshake per connection at the start of each"
                                    + " run. Atlas: its own record layer on the same lane as HTTP. nginx: OpenSSL in userspace, as this kernel"
                                    + " has no kTLS, so it reads each chunk into its buffers and seals it there instead of using sendfile."
                                    + " Measured in: ")
                    .append(String.join(
                            ", ",
                            plan.httpsBlocks().stream()
                                    .map(b ->
                                            b.rtt().id() + ":" + b.contentCase().id())
                                    .toList()))
                    .append(".\n");
        }
        md.append("- Delay bands: the middlebox holds client→server frames ")
                .append(plan.delayBandsMillis())
                .append(" ms by flow hash (server→client frames cross the bridge undelayed).\n");
        md.append(
                "- Server CPU: utime+stime from /proc of every process of the server (Atlas: the whole JVM; nginx: master and"
                        + " workers in the cgroup). Tick-based accounting charges veth softirq work to whichever task runs, so compare on"
                        + " the same setup only. Busy cores: all of /proc/stat (client, server, middlebox, other users of the machine).\n");
        md.append(
                "- Fairness: Jain's index over the bytes each connection received in the middle of the run, from the client"
                        + " kernel's per-socket counters (wrk's Lua callbacks do not say which connection a response came on). Latency"
                        + " (wrk's) covers completed requests only: a connection that waits the whole run adds nothing to it, so read the"
                        + " latency columns and CDFs together with Jain's index.\n\n");
    }

    private void results(StringBuilder md) {
        md.append("## Results (medians)\n\n");
        for (Rtt rtt : measuredRtts()) {
            for (ContentCase c : measuredCases(rtt)) {
                md.append("### ")
                        .append(c.label())
                        .append(", ")
                        .append(rtt.label())
                        .append("\n\n");
                md.append(
                        "| connections | server | runs | Gb/s | Gb/s per server core | server CPU-s/GB | requests/s | client CPU-s"
                                + " | busy cores | p50 ms | p99 ms | max ms | Jain | errors (timeouts) |\n");
                md.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
                for (int n : plan.connections()) {
                    for (ServerKind s : measuredServers()) {
                        final List<RunResult> rs = point(rtt, c, s, n);
                        if (rs.isEmpty()) {
                            continue;
                        }
                        md.append(String.format(
                                Locale.ROOT,
                                "| %d | %s | %d | %.2f | %.2f | %.3f | %.0f | %.2f | %.2f | %.1f | %.1f |"
                                        + " %.1f | %.3f | %d (%d) |%n",
                                n,
                                s.label(),
                                rs.size(),
                                median(rs, RunResult::gbitPerSecond),
                                median(rs, RunResult::gbitPerServerCore),
                                median(rs, RunResult::cpuSecondsPerGB),
                                median(rs, RunResult::requestsPerSecond),
                                median(rs, r -> r.wrk().clientCpuSeconds()),
                                median(rs, RunResult::busyCores),
                                median(rs, r -> r.wrk().latencyMillis(50)),
                                median(rs, r -> r.wrk().latencyMillis(99)),
                                rs.stream()
                                        .mapToDouble(r -> r.wrk().maxLatencyMicros() / 1000.0)
                                        .max()
                                        .orElse(0),
                                median(rs, RunResult::jain),
                                rs.stream().mapToLong(r -> r.wrk().errors()).sum(),
                                rs.stream().mapToLong(r -> r.wrk().timeouts()).sum()));
                    }
                }
                md.append('\n');
            }
        }
    }

    private void ratios(StringBuilder md) {
        md.append(
                "## Atlas / nginx (medians; above 1 means Atlas is ahead, for p99 below 1; – where nginx served nothing)\n\n");
        md.append("| RTT | content | connections | Atlas server | Gb/s ratio | Gb/s per core ratio | p99 ratio |\n");
        md.append("|---|---|---:|---|---:|---:|---:|\n");
        boolean any = false;
        for (Rtt rtt : measuredRtts()) {
            for (ContentCase c : measuredCases(rtt)) {
                for (int n : plan.connections()) {
                    for (ServerKind s : measuredServers()) {
                        if (!s.isAtlas()) {
                            continue;
                        }
                        final List<RunResult> atlas = point(rtt, c, s, n);
                        final List<RunResult> nginx = point(rtt, c, s.baseline(), n);
                        if (atlas.isEmpty() || nginx.isEmpty()) {
                            continue;
                        }
                        any = true;
                        md.append(String.format(
                                Locale.ROOT,
                                "| %s | %s | %d | %s | %s | %s | %s |%n",
                                rtt.label(),
                                c.label(),
                                n,
                                s.label(),
                                ratio(atlas, nginx, RunResult::gbitPerSecond),
                                ratio(atlas, nginx, RunResult::gbitPerServerCore),
                                ratio(atlas, nginx, r -> r.wrk().latencyMillis(99))));
                    }
                }
            }
        }
        md.append(any ? "\n" : "| (no pair of Atlas and nginx runs at the same point) | | | | | | |\n\n");
    }

    /**
     * The HTTPS cost, point by point: Atlas HTTPS against Atlas HTTP on the same lane count, content and run (the TLS
     * issue's target is at least 0.85), and against nginx HTTPS.
     */
    private void https(StringBuilder md) {
        final StringBuilder rows = new StringBuilder();
        for (Rtt rtt : measuredRtts()) {
            for (ContentCase c : measuredCases(rtt)) {
                for (int n : plan.connections()) {
                    final List<RunResult> tls = point(rtt, c, ServerKind.ATLAS_HTTPS, n);
                    if (tls.isEmpty()) {
                        continue;
                    }
                    final List<RunResult> http = point(rtt, c, ServerKind.ATLAS_1_LANE, n);
                    final List<RunResult> nginx = point(rtt, c, ServerKind.NGINX_HTTPS, n);
                    rows.append(String.format(
                            Locale.ROOT,
                            "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                            rtt.label(),
                            c.label(),
                            n,
                            value(http, RunResult::gbitPerSecond, "%.2f"),
                            value(tls, RunResult::gbitPerSecond, "%.2f"),
                            ratio(tls, http, RunResult::gbitPerSecond),
                            ratio(tls, http, RunResult::windowGbitPerSecond),
                            value(http, RunResult::cpuSecondsPerGB, "%.3f"),
                            value(tls, RunResult::cpuSecondsPerGB, "%.3f"),
                            value(nginx, RunResult::gbitPerSecond, "%.2f"),
                            value(nginx, RunResult::cpuSecondsPerGB, "%.3f"),
                            ratio(tls, nginx, RunResult::gbitPerSecond),
                            ratio(nginx, tls, RunResult::cpuSecondsPerGB)));
                }
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        md.append("## HTTPS (medians; Atlas HTTPS is 1 lane, compared with Atlas HTTP on 1 lane in the same run)\n\n");
        md.append(
                "| RTT | content | connections | Atlas HTTP Gb/s | Atlas HTTPS Gb/s | Atlas HTTPS / HTTP (target ≥ 0.85) |"
                        + " the same once connected |"
                        + " Atlas HTTP CPU-s/GB | Atlas HTTPS CPU-s/GB | nginx HTTPS Gb/s | nginx HTTPS CPU-s/GB |"
                        + " Atlas / nginx HTTPS Gb/s | nginx / Atlas HTTPS CPU-s/GB |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        md.append(rows).append('\n');
        md.append(
                "Gb/s are body bytes over the whole run, every connection's handshake included; \"the same once connected\""
                        + " compares what the client's sockets received from a quarter of the run to its end (window_gbit_per_s in"
                        + " runs.csv), when the handshakes are over unless they take that long. Both ratios on the right are above 1"
                        + " where Atlas is ahead (more Gb/s, fewer CPU-seconds per GB).\n\n");
    }

    /** The median formatted, or a dash where the point has no run. */
    private static String value(List<RunResult> rs, ToDoubleFunction<RunResult> f, String format) {
        final double m = median(rs, f);
        return Double.isNaN(m) ? "–" : String.format(Locale.ROOT, format, m);
    }

    /** Median over median, or a dash when nginx's side is zero or unknown (it served nothing). */
    private static String ratio(List<RunResult> atlas, List<RunResult> nginx, ToDoubleFunction<RunResult> f) {
        final double below = median(nginx, f);
        final double above = median(atlas, f);
        if (!(below > 0) || Double.isNaN(above)) {
            return "–";
        }
        return String.format(Locale.ROOT, "%.2f", above / below);
    }

    private void spread(StringBuilder md) {
        md.append("## Spread at ").append(plan.spreadConnections()).append(" connections (min / median / max)\n\n");
        md.append(
                "| RTT | content | server | runs | Gb/s | Gb/s per server core | p99 ms |\n|---|---|---|---:|---|---|---|\n");
        for (Rtt rtt : measuredRtts()) {
            for (ContentCase c : measuredCases(rtt)) {
                for (ServerKind s : measuredServers()) {
                    final List<RunResult> rs = point(rtt, c, s, plan.spreadConnections());
                    if (!rs.isEmpty()) {
                        md.append(String.format(
                                Locale.ROOT,
                                "| %s | %s | %s | %d | %s | %s | %s |%n",
                                rtt.label(),
                                c.label(),
                                s.label(),
                                rs.size(),
                                range(rs, RunResult::gbitPerSecond),
                                range(rs, RunResult::gbitPerServerCore),
                                range(rs, r -> r.wrk().latencyMillis(99))));
                    }
                }
            }
        }
        md.append('\n');
    }

    private static String range(List<RunResult> rs, ToDoubleFunction<RunResult> f) {
        final double min = rs.stream().mapToDouble(f).min().orElse(Double.NaN);
        final double max = rs.stream().mapToDouble(f).max().orElse(Double.NaN);
        return String.format(Locale.ROOT, "%.2f / %.2f / %.2f", min, median(rs, f), max);
    }

    /** Completed (failed) handshakes of an HTTPS run, or a dash for HTTP. */
    private static String handshakes(Map<String, Long> atlas) {
        if (!atlas.containsKey("tls.handshakesCompleted")) {
            return "–";
        }
        return atlas.get("tls.handshakesCompleted") + " (" + atlas.getOrDefault("tls.handshakesFailed", 0L) + ")";
    }

    /** Mean handshake time as the server measures it (from its session's start to the handshake's end), or a dash. */
    private static String handshakeMillis(Map<String, Long> atlas) {
        final long completed = atlas.getOrDefault("tls.handshakesCompleted", 0L);
        if (completed == 0) {
            return "–";
        }
        return String.format(Locale.ROOT, "%.1f", atlas.getOrDefault("tls.handshakeNanosTotal", 0L) / 1e6 / completed);
    }

    private void atlasCounters(StringBuilder md) {
        final Map<String, List<RunResult>> rows = new LinkedHashMap<>();
        for (Rtt rtt : measuredRtts()) {
            for (ContentCase c : measuredCases(rtt)) {
                for (ServerKind s : measuredServers()) {
                    if (s.isAtlas()) {
                        for (int n : plan.connections()) {
                            final List<RunResult> rs = point(rtt, c, s, n);
                            if (!rs.isEmpty()) {
                                rows.put(rtt.label() + " | " + c.label() + " | " + s.label() + " | " + n, rs);
                            }
                        }
                    }
                }
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        md.append("## Atlas's own counters (first run of each point)\n\n");
        md.append("LLC: ").append(Machine.llcDescription()).append(".\n\n");
        md.append(
                "| RTT | content | server | connections | retransmitted frames | RTO events | drive reads | KiB per read |"
                        + " mean read latency µs | max read latency µs | peak pipeline working set KiB | TX copy GB | busy loops | idle loops |"
                        + " TLS handshakes completed (failed) | mean handshake ms |\n");
        md.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        rows.forEach((key, rs) -> {
            final Map<String, Long> a = rs.getFirst().atlas();
            final long reads = a.getOrDefault("disk.reads", 0L);
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %d | %d | %.1f | %.0f | %.0f | %d | %.2f | %d | %d | %s | %s |%n",
                    key,
                    a.getOrDefault("tcp.retransmitFrames", 0L),
                    a.getOrDefault("tcp.rtoEvents", 0L),
                    reads,
                    reads == 0 ? 0.0 : a.getOrDefault("disk.readBytes", 0L) / 1024.0 / reads,
                    reads == 0 ? 0.0 : a.getOrDefault("disk.readLatencyNanos", 0L) / 1000.0 / reads,
                    a.getOrDefault("disk.maxReadLatencyNanos", 0L) / 1000.0,
                    a.getOrDefault("pipelineWorkingSetBytes", 0L) / 1024,
                    a.getOrDefault("disk.txCopyBytes", 0L) / 1e9,
                    a.getOrDefault("lane.busyLoops", 0L),
                    a.getOrDefault("lane.idleLoops", 0L),
                    handshakes(a),
                    handshakeMillis(a)));
        });
        md.append('\n');
    }
}
