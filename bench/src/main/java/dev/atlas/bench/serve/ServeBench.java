package dev.atlas.bench.serve;

import dev.atlas.bench.diskmap.FioRunner;
import dev.atlas.bench.diskmap.Measurement;
import dev.atlas.bench.netns.HostPrerequisites;
import dev.atlas.bench.netns.MiddleboxProcess;
import dev.atlas.bench.netns.Topology;
import dev.atlas.diskmap.NvmeDevice;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./atlas bench serve [--quick]}: Atlas against nginx on random 300 KiB chunks, cold (a set
 * far larger than nginx's memory cgroup, caches dropped before each run) and hot (a small set read
 * into the page cache), without and with the middlebox's delay bands, swept over connection
 * counts, over HTTP and HTTPS (both HTTPS servers present one certificate the run makes and seal
 * with TLS 1.3 AES-128-GCM). Servers alternate within each block and repetition so drift hits them alike; every run
 * is bounded, and namespaces, cgroup and processes are removed even when the run is interrupted.
 * Writes {@code runs.csv}, {@code latency-cdf.csv}, PNG plots and {@code summary.md} under
 * {@code bench/results/<timestamp>/}.
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description =
                "Atlas vs nginx on random 300 KiB chunks (cold/hot content, no delay/delay bands): CSV, plots, summary.")
public final class ServeBench implements Callable<Integer> {
    /** Namespaces of this bench are named {@code serve-<random>-cli} and so on. */
    static final String TOPOLOGY_PREFIX = "serve";

    private static final int SAMPLE_MILLIS = 200;
    private static final int CHECK_ATTEMPTS = 50;

    @Option(
            names = "--quick",
            description =
                    "The short run (under 10 minutes): 1 GiB cold set in a 64 MiB cgroup, 10/100/1000 connections, 4 s runs,"
                            + " HTTPS on cold content without delay only.")
    boolean quick;

    @Option(
            names = "--servers",
            split = ",",
            paramLabel = "ID",
            description = "atlas-1lane, atlas-2lanes, atlas-https, nginx, nginx-https.")
    List<String> servers;

    @Option(
            names = "--https-blocks",
            split = ",",
            paramLabel = "RTT:CASE",
            description =
                    "Blocks in which the HTTPS servers run too (default: none:cold with --quick, else every block).")
    List<String> httpsBlocks;

    @Option(
            names = "--sealer",
            paramLabel = "auto|sunjce|openssl",
            description = "Atlas's TLS record sealing engine (default auto: it measures both at start).")
    String sealer;

    @Option(
            names = "--blocks",
            split = ",",
            paramLabel = "RTT:CASE",
            description =
                    "e.g. none:cold,none:hot,bands:cold (RTT none|bands, case cold|hot|ladder; none-cold works too).")
    List<String> blocks;

    @Option(names = "--connections", split = ",", description = "Connection counts, e.g. 10,100,1000,4000.")
    List<Integer> connections;

    @Option(
            names = "--repetitions",
            description = "Runs at the spread point (--spread-connections); the other counts run once.")
    Integer repetitions;

    @Option(names = "--spread-connections", description = "The connection count repeated for the spread (default 100).")
    Integer spreadConnections;

    @Option(names = "--seconds", description = "Length of each measured wrk run.")
    Integer seconds;

    @Option(
            names = "--warmup-seconds",
            description = "Unmeasured wrk run after each server start (JIT, open file cache).")
    Integer warmupSeconds;

    @Option(names = "--cold-chunks", description = "Chunks in the cold set (300 KiB each).")
    Integer coldChunks;

    @Option(names = "--hot-chunks", description = "Chunks in the hot set (300 KiB each).")
    Integer hotChunks;

    @Option(names = "--cgroup-mib", description = "nginx's memory cgroup limit in MiB (page cache included).")
    Long cgroupMiB;

    @Option(
            names = "--delay-bands",
            split = ",",
            description = "Middlebox one-way delays in ms for the bands blocks; default 10,20,30,40.")
    List<Integer> delayBands;

    @Option(
            names = "--out",
            description =
                    "Results root; a <timestamp> directory is made in it. Default: bench/results of the checkout.")
    Path out;

    @Option(
            names = "--keep-content",
            description = "Keep the chunk tree and catalogue image (under <results>/work) after the run.")
    boolean keepContent;

    @Option(
            names = "--max-minutes",
            description =
                    "Stop starting runs after this long and write what was measured (default 15 quick, 120 full).")
    Integer maxMinutes;

    private final PrintStream log = System.out;
    private final List<String> notes = new ArrayList<>();
    private final Map<String, String> commandLines = new java.util.LinkedHashMap<>();
    /** The run's CA and server certificate, made when the plan has an HTTPS server. */
    private RunCertificate certificate;
    /** What each Atlas HTTPS start said about its sealing engine. */
    private final List<String> sealerChoices = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        final RunPlan plan;
        try {
            plan = plan();
        } catch (IllegalArgumentException e) {
            System.err.println("atlas bench serve: " + e.getMessage());
            return 2;
        }
        if (sealer != null && !AtlasServer.SEALERS.contains(sealer)) {
            System.err.println(
                    "atlas bench serve: --sealer must be one of " + AtlasServer.SEALERS + ", not '" + sealer + "'");
            return 2;
        }
        final List<String> missing =
                HostPrerequisites.missing("ip", "nft", "ethtool", "wrk", "nginx", "gnuplot", "curl", "ss", "openssl");
        if (!missing.isEmpty()) {
            System.err.println("atlas bench serve needs " + String.join(", ", missing)
                    + " (./atlas bench installs the tools as root)");
            return 2;
        }
        final Path root =
                out != null ? out : Path.of(System.getenv().getOrDefault("ATLAS_HOME", "."), "bench", "results");
        final Path dir = root.resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        final Path work = dir.resolve("work");
        Files.createDirectories(work);
        final List<String> stale = MemoryCgroup.removeLeftovers();
        if (!stale.isEmpty()) {
            log.println("bench serve: removed empty cgroups left by an interrupted run: " + stale);
        }
        log.printf(
                Locale.ROOT,
                "bench serve (%s): %d servers, %d blocks, %d measured runs, about %d min; results in %s%n",
                plan.mode(),
                plan.servers().size(),
                plan.blocks().size(),
                plan.runCount(),
                (plan.estimatedSeconds() + 59) / 60,
                dir);
        final long started = System.nanoTime();
        final String loadAtStart = Machine.loadAverage();
        final List<RunResult> results = new ArrayList<>();
        try (Cleanup cleanup = new Cleanup()) {
            if (!keepContent) {
                cleanup.add(work, () -> deleteTree(work.resolve("content")));
            }
            final Map<ContentCase, Integer> counts = new EnumMap<>(ContentCase.class);
            for (ContentCase c : ContentCase.values()) {
                if (plan.needs(c)) {
                    counts.put(c, plan.chunks(c));
                }
            }
            log.printf(
                    Locale.ROOT, "bench serve: writing %s and importing them into one catalogue%n", describe(counts));
            final ContentSet content = ContentSet.create(work.resolve("content"), counts, plan.seed());
            if (content.count(ContentCase.LADDER) > 0) {
                note(String.format(
                        Locale.ROOT,
                        "The HLS ladder content: %d segments (%.0f MiB, %.0f KiB on average) of %d s of ffmpeg's test card"
                                + " and tone at %s, 2 s segments, x264; read into the page cache before every run, like"
                                + " the hot set.",
                        content.count(ContentCase.LADDER),
                        content.bytes(ContentCase.LADDER) / (double) (1 << 20),
                        content.bytes(ContentCase.LADDER) / 1024.0 / content.count(ContentCase.LADDER),
                        ContentSet.LADDER_SECONDS,
                        ContentSet.LADDER_RENDITIONS.stream()
                                .map(r -> r.resolution() + " at " + r.videoKilobitsPerSecond() + " kb/s")
                                .collect(java.util.stream.Collectors.joining(", "))));
            }
            if (plan.servers().stream().anyMatch(ServerKind::isHttps)) {
                // One certificate for both servers' addresses: Atlas's stack and nginx's kernel address.
                certificate = RunCertificate.make(
                        work.resolve("tls"), List.of(Topology.SERVER_ADDRESS, Topology.SERVER_KERNEL_ADDRESS));
            }
            final MemoryCgroup cgroup =
                    MemoryCgroup.create(Long.toHexString(ProcessHandle.current().pid()), plan.cgroupBytes());
            cleanup.add(cgroup, cgroup::close);
            final long deadline =
                    started + (long) (maxMinutes != null ? maxMinutes : (quick ? 15 : 120)) * 60_000_000_000L;
            for (Rtt rtt : Rtt.values()) {
                if (plan.needs(rtt)) {
                    runTopology(plan, rtt, content, cgroup, work, cleanup, results, deadline);
                }
            }
        } finally {
            noteSealers();
            if (!results.isEmpty()) {
                final double minutes = (System.nanoTime() - started) / 60e9;
                new ResultsWriter(dir, plan, results, notes, commandLines, invocation(), minutes, loadAtStart)
                        .writeAll();
                log.println("bench serve: wrote " + dir.resolve("summary.md")
                        + ", runs.csv, latency-cdf.csv and the plots");
            }
        }
        return 0;
    }

    private void runTopology(
            RunPlan plan,
            Rtt rtt,
            ContentSet content,
            MemoryCgroup cgroup,
            Path work,
            Cleanup cleanup,
            List<RunResult> results,
            long deadline)
            throws Exception {
        final Topology net = Topology.up(
                Topology.uniqueName(TOPOLOGY_PREFIX), rtt == Rtt.NONE ? Topology.Mode.DIRECT : Topology.Mode.MIDDLEBOX);
        final Cleanup.Step removeNet = net::close;
        cleanup.add(net, removeNet);
        net.removeOnExit();
        MiddleboxProcess middlebox = null;
        final Cleanup.Step stopMiddlebox;
        if (rtt == Rtt.BANDS) {
            Files.createDirectories(work.resolve("servers"));
            middlebox = MiddleboxProcess.start(
                    net.mboxNamespace(),
                    plan.delayBandsMillis(),
                    0.0,
                    plan.seed(),
                    work.resolve("servers").resolve("middlebox.log"));
            stopMiddlebox = middlebox::close;
            cleanup.add(middlebox, stopMiddlebox);
        } else {
            stopMiddlebox = null;
        }
        final WrkLoad wrk = new WrkLoad(net.clientNamespace(), work, cleanup);
        for (RunPlan.Block block : plan.blocks()) {
            if (block.rtt() != rtt) {
                continue;
            }
            for (int rep = 1; rep <= plan.repetitions(); rep++) {
                for (ServerKind kind : plan.serverOrder(block, rep)) {
                    if (System.nanoTime() > deadline) {
                        note("The run stopped early at its time limit (--max-minutes): rows after " + rtt.id() + "/"
                                + block.contentCase().id() + " repetition " + rep + " are missing.");
                        break;
                    }
                    final MeasuredServer server = startServer(kind, net, content, cgroup, work);
                    final Cleanup.Step stop = () -> stopServer(server, net);
                    cleanup.add(server, stop);
                    try {
                        checkContent(net, server, content, block.contentCase(), certificate);
                        if (server instanceof AtlasServer atlas && kind.isHttps()) {
                            // Said at start, which is over once it served the check.
                            sealerChoices.add(atlas.sealerReport());
                        }
                        warmUp(plan, wrk, server, content, block.contentCase());
                        for (int connections : plan.connectionsFor(rep)) {
                            final RunResult r;
                            try {
                                r = measure(
                                        plan, wrk, net, server, content, block.contentCase(), rtt, connections, rep);
                            } catch (IOException failed) {
                                // One run that hangs or fails must not cost the others: say so, restart with the next
                                // server.
                                note("No row for " + kind.id() + " at " + connections + " connections (" + rtt.id()
                                        + "/"
                                        + block.contentCase().id() + ", repetition " + rep + "): "
                                        + failed.getMessage().strip()
                                        + "; the rest of this server's runs in that repetition were skipped.");
                                break;
                            }
                            results.add(r);
                            log.printf(
                                    Locale.ROOT,
                                    "  %-6s %-4s %-12s c=%-5d rep %d: %6.2f Gb/s, %6.2f Gb/s/core, p99 %8.1f ms,"
                                            + " Jain %.3f, errors %d%n",
                                    rtt.id(),
                                    block.contentCase().id(),
                                    kind.id(),
                                    connections,
                                    rep,
                                    r.gbitPerSecond(),
                                    r.gbitPerServerCore(),
                                    r.wrk().latencyMillis(99),
                                    r.jain(),
                                    r.wrk().errors());
                        }
                    } finally {
                        cleanup.runNow(stop);
                    }
                }
            }
        }
        if (rtt == Rtt.NONE && plan.needs(ContentCase.COLD)) {
            driveCeiling(content, NvmeDevice.Options.DEFAULT_QUEUE_DEPTH);
        }
        if (middlebox != null) {
            cleanup.runNow(stopMiddlebox);
            middlebox
                    .output()
                    .lines()
                    .filter(l -> l.startsWith("middlebox counters"))
                    .reduce((a, b) -> b)
                    .ifPresent(counters -> note("The delay middlebox over the whole " + rtt.id()
                            + " block (drops or a full frame pool" + " here limit every server alike): "
                            + counters.substring("middlebox counters: ".length())));
        }
        cleanup.runNow(removeNet);
    }

    /**
     * What the drive itself gives to the reads Atlas issues, in the same run: fio's io_uring
     * engine, O_DIRECT random reads of the catalogue image at Atlas's read sizes (64 KiB when a
     * connection's window reaches four records, 16 KiB for one) and its queue depth per lane. A
     * server that reads every byte from the drive cannot beat this; with no cache, it is Atlas's
     * ceiling on cold and hot content alike.
     */
    private void driveCeiling(ContentSet content, int queueDepth) {
        final FioRunner fio = new FioRunner("fio");
        final StringBuilder s =
                new StringBuilder("The drive's own ceiling, measured after the no-delay block's runs (");
        s.append(String.join(" ", fio.command(content.image(), 64 * 1024, queueDepth, DRIVE_CEILING_SECONDS)))
                .append(", and the same with --bs=16k):");
        try {
            for (int kib : new int[] {64, 16}) {
                final Measurement m = fio.run(content.image(), kib * 1024L, queueDepth, DRIVE_CEILING_SECONDS);
                s.append(String.format(
                        Locale.ROOT,
                        " %d KiB random reads at queue depth %d: %.0f MB/s = %.2f Gb/s (%.0f IOPS, p99 %.1f ms);",
                        kib,
                        queueDepth,
                        m.bytesPerSecond() / 1e6,
                        m.bytesPerSecond() * 8 / 1e9,
                        m.iops(),
                        m.p99Micros() / 1000));
            }
            note(s.substring(0, s.length() - 1) + ".");
        } catch (IOException e) {
            note("The drive's ceiling could not be measured: " + e.getMessage().strip());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final int DRIVE_CEILING_SECONDS = 5;

    private MeasuredServer startServer(
            ServerKind kind, Topology net, ContentSet content, MemoryCgroup cgroup, Path work) throws Exception {
        // Beside the content, not in it: configurations and logs stay with the results.
        final Path serverWork = work.resolve("servers");
        if (kind.isAtlas()) {
            final List<String> extra = kind.isHttps()
                    ? AtlasServer.httpsArguments(certificate, sealer == null ? "auto" : sealer)
                    : List.of();
            final AtlasServer server = AtlasServer.start(
                    kind,
                    net.serverNamespace(),
                    net.serverInterface(),
                    net.serverCidr(),
                    content.image(),
                    extra,
                    serverWork);
            commandLines.putIfAbsent(kind.label(), server.commandLine());
            return server;
        }
        net.addServerKernelAddress();
        final NginxServer server = NginxServer.start(
                kind,
                net.serverNamespace(),
                net.serverKernelAddress(),
                content.tree(),
                Runtime.getRuntime().availableProcessors(),
                cgroup,
                certificate,
                serverWork.resolve(kind.id()));
        commandLines.putIfAbsent(kind.label(), server.commandLine());
        return server;
    }

    private static void stopServer(MeasuredServer server, Topology net) {
        server.close();
        if (!server.kind().isAtlas()) {
            net.removeServerKernelAddress();
        }
    }

    /**
     * Fetches the first chunk of the case until it arrives (the server is up) and checks its SHA-256; over HTTPS the
     * client verifies the server's certificate against the run's CA and accepts only TLS 1.3 with AES-128-GCM, the
     * suite wrk is held to.
     */
    private static void checkContent(
            Topology net,
            MeasuredServer server,
            ContentSet content,
            ContentCase contentCase,
            RunCertificate certificate)
            throws IOException, InterruptedException {
        final String url = server.baseUrl() + ContentSet.urlPath(contentCase, 0);
        final List<String> command = new ArrayList<>(
                List.of("ip", "netns", "exec", net.clientNamespace(), "curl", "-sS", "--fail", "--max-time", "10"));
        if (server.kind().isHttps()) {
            command.addAll(List.of(
                    "--cacert",
                    certificate.caCertificate().toString(),
                    "--tlsv1.3",
                    "--tls13-ciphers",
                    "TLS_AES_128_GCM_SHA256"));
        }
        command.add(url);
        String last = "";
        for (int attempt = 0; attempt < CHECK_ATTEMPTS; attempt++) {
            final Process curl = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            final byte[] body = curl.getInputStream().readAllBytes();
            if (curl.waitFor() == 0) {
                final String sha = ContentSet.sha256(java.nio.ByteBuffer.wrap(body));
                if (!sha.equals(content.firstChunkSha256(contentCase))) {
                    throw new IOException(server.kind().id() + " sent " + body.length + " bytes for " + url
                            + " that differ from the chunk written (SHA-256 " + sha + ")");
                }
                return;
            }
            last = "curl exit " + curl.exitValue();
            Thread.sleep(100);
        }
        throw new IOException(
                server.kind().id() + " did not serve " + url + " (" + last + ") after " + CHECK_ATTEMPTS + " tries");
    }

    private static void warmUp(
            RunPlan plan, WrkLoad wrk, MeasuredServer server, ContentSet content, ContentCase contentCase)
            throws IOException, InterruptedException {
        if (plan.warmupSeconds() > 0) {
            final int connections =
                    Math.min(plan.spreadConnections(), plan.connections().getLast());
            wrk.run(
                    new WrkLoad.Spec(
                            server.baseUrl(),
                            contentCase,
                            content.count(contentCase),
                            connections,
                            plan.warmupSeconds(),
                            plan.seed()),
                    secondsIn -> {},
                    SAMPLE_MILLIS);
        }
    }

    private RunResult measure(
            RunPlan plan,
            WrkLoad wrk,
            Topology net,
            MeasuredServer server,
            ContentSet content,
            ContentCase contentCase,
            Rtt rtt,
            int connections,
            int rep)
            throws Exception {
        final long cgroupBytes = plan.cgroupBytesFor(connections);
        if (server instanceof NginxServer nginx) {
            nginx.limitMemory(cgroupBytes);
        }
        if (contentCase == ContentCase.COLD) {
            HostSample.dropCaches();
        } else {
            content.preRead(contentCase);
        }
        final WrkLoad.Spec spec = new WrkLoad.Spec(
                server.baseUrl(),
                contentCase,
                content.count(contentCase),
                connections,
                plan.seconds(),
                plan.seed() * 31 + rep);
        commandLines.putIfAbsent(
                "wrk" + (server.kind().isHttps() ? " over HTTPS" : "") + " (" + connections + " connections)",
                String.join(" ", wrk.command(spec)));
        final double shareFrom = Math.max(1.0, plan.seconds() * 0.25);
        final double shareTo = plan.seconds() - 0.6;
        final Map<String, Long> atStart = server.counters();
        server.takePeaks();
        final HostSample hostBefore = HostSample.now();
        final double cpuBefore = server.cpuSeconds();
        final Map<String, Map<String, Long>> snapshots = new HashMap<>();
        // When each snapshot was taken (the middle of the ss call), for the window's throughput.
        final Map<String, Long> snapshotNanos = new HashMap<>();
        final WrkReport report = wrk.run(
                spec,
                secondsIn -> {
                    server.sample();
                    if (secondsIn >= shareFrom && !snapshots.containsKey("from")) {
                        takeSnapshot("from", net, snapshots, snapshotNanos);
                    } else if (secondsIn >= shareTo && snapshots.containsKey("from") && !snapshots.containsKey("to")) {
                        takeSnapshot("to", net, snapshots, snapshotNanos);
                    }
                },
                SAMPLE_MILLIS);
        final double cpu = server.cpuSeconds() - cpuBefore;
        final HostSample hostAfter = HostSample.now();
        final Map<String, Long> atlas = new HashMap<>();
        if (server instanceof AtlasServer a) {
            a.awaitFreshCounters();
            final Map<String, Long> atEnd = server.counters();
            for (String key : RunResult.ATLAS_COLUMNS) {
                if (atEnd.containsKey(key)) {
                    atlas.put(
                            key,
                            key.startsWith("disk.max")
                                    ? atEnd.get(key)
                                    : atEnd.get(key) - atStart.getOrDefault(key, 0L));
                }
            }
            atlas.putAll(server.takePeaks());
        }
        final long oomKills = server.counters().getOrDefault("oomKills", 0L) - atStart.getOrDefault("oomKills", 0L);
        if (oomKills > 0) {
            note("The kernel killed nginx processes for memory (" + oomKills + " in the " + rtt.id() + "/"
                    + contentCase.id() + " run at " + connections
                    + " connections): its cgroup limit is too small for its own memory; give a larger --cgroup-mib.");
        }
        final List<Long> shares = snapshots.containsKey("to")
                ? ConnectionShares.between(snapshots.get("from"), snapshots.get("to"))
                : List.of();
        final double windowGbit = shares.isEmpty()
                ? Double.NaN
                : shares.stream().mapToLong(Long::longValue).sum()
                        * 8
                        / 1e9
                        / ((snapshotNanos.get("to") - snapshotNanos.get("from")) / 1e9);
        return new RunResult(
                rtt,
                contentCase,
                server.kind(),
                connections,
                rep,
                report,
                content.bytes(contentCase) / (double) content.count(contentCase),
                cpu,
                hostAfter.busyCoresSince(hostBefore),
                hostAfter.cachedChangeSince(hostBefore),
                ConnectionShares.jainIndex(shares),
                windowGbit,
                shares.size(),
                server.kind().isAtlas() ? 0 : cgroupBytes,
                atlas);
    }

    private static void takeSnapshot(
            String which, Topology net, Map<String, Map<String, Long>> snapshots, Map<String, Long> snapshotNanos)
            throws IOException, InterruptedException {
        final long before = System.nanoTime();
        snapshots.put(which, ConnectionShares.snapshot(net.clientNamespace()));
        snapshotNanos.put(which, before + (System.nanoTime() - before) / 2);
    }

    RunPlan plan() {
        final RunPlan base = quick ? RunPlan.quick() : RunPlan.full();
        final List<ServerKind> kinds = servers == null
                ? base.servers()
                : servers.stream().map(ServerKind::byId).toList();
        final List<RunPlan.Block> chosen = blocks == null
                ? base.blocks()
                : blocks.stream().map(ServeBench::block).toList();
        final List<RunPlan.Block> withHttps;
        if (httpsBlocks != null) {
            withHttps = httpsBlocks.stream().map(ServeBench::block).toList();
            for (RunPlan.Block b : withHttps) {
                if (!chosen.contains(b)) {
                    throw new IllegalArgumentException("--https-blocks names "
                            + b.rtt().id() + ":" + b.contentCase().id() + ", which is not among the blocks run");
                }
            }
        } else {
            withHttps = blocks == null ? base.httpsBlocks() : chosen;
        }
        final List<Integer> counts = connections == null
                ? base.connections()
                : connections.stream()
                        .sorted(Comparator.naturalOrder())
                        .distinct()
                        .toList();
        if (counts.isEmpty() || counts.getFirst() < 1 || counts.getLast() > 10_000) {
            throw new IllegalArgumentException("--connections must be between 1 and 10000");
        }
        int spread = spreadConnections == null ? base.spreadConnections() : spreadConnections;
        if (!counts.contains(spread)) {
            spread = counts.get(counts.size() / 2);
        }
        final int secs = seconds == null ? base.seconds() : seconds;
        if (secs < 2 || secs > 600) {
            throw new IllegalArgumentException("--seconds must be between 2 and 600");
        }
        final int reps = repetitions == null ? base.repetitions() : repetitions;
        if (reps < 1 || reps > 20) {
            throw new IllegalArgumentException("--repetitions must be between 1 and 20");
        }
        return new RunPlan(
                quick
                        ? "quick"
                        : (servers == null && blocks == null && httpsBlocks == null && connections == null
                                ? "full"
                                : "custom"),
                kinds,
                chosen,
                withHttps,
                counts,
                reps,
                spread,
                secs,
                warmupSeconds == null ? base.warmupSeconds() : warmupSeconds,
                coldChunks == null ? base.coldChunks() : coldChunks,
                hotChunks == null ? base.hotChunks() : hotChunks,
                cgroupMiB == null ? base.cgroupBytes() : cgroupMiB << 20,
                delayBands == null ? base.delayBandsMillis() : delayBands,
                base.seed());
    }

    /** {@code none:cold}, or {@code none-cold} as some shells and scripts prefer. */
    private static RunPlan.Block block(String text) {
        final String[] parts = text.split("[:-]");
        if (parts.length != 2) {
            throw new IllegalArgumentException("a block is RTT:CASE, e.g. none:cold, not '" + text + "'");
        }
        return new RunPlan.Block(Rtt.byId(parts[0]), ContentCase.byId(parts[1]));
    }

    /** The command as the operator would retype it. */
    private String invocation() {
        final StringBuilder s = new StringBuilder("./atlas bench serve");
        if (quick) {
            s.append(" --quick");
        }
        appendList(s, "--servers", servers);
        appendList(s, "--blocks", blocks);
        appendList(s, "--https-blocks", httpsBlocks);
        appendList(s, "--connections", connections);
        appendValue(s, "--repetitions", repetitions);
        appendValue(s, "--spread-connections", spreadConnections);
        appendValue(s, "--seconds", seconds);
        appendValue(s, "--warmup-seconds", warmupSeconds);
        appendValue(s, "--cold-chunks", coldChunks);
        appendValue(s, "--hot-chunks", hotChunks);
        appendValue(s, "--cgroup-mib", cgroupMiB);
        appendList(s, "--delay-bands", delayBands);
        appendValue(s, "--max-minutes", maxMinutes);
        appendValue(s, "--sealer", sealer);
        return s.toString();
    }

    private static void appendList(StringBuilder s, String name, List<?> values) {
        if (values != null) {
            s.append(' ')
                    .append(name)
                    .append(' ')
                    .append(String.join(
                            ",", values.stream().map(String::valueOf).toList()));
        }
    }

    private static void appendValue(StringBuilder s, String name, Object value) {
        if (value != null) {
            s.append(' ').append(name).append(' ').append(value);
        }
    }

    /** One note for all Atlas HTTPS starts: the engine each chose (with {@code auto}, a start-up measurement decides). */
    private void noteSealers() {
        if (sealerChoices.isEmpty()) {
            return;
        }
        final Map<String, Long> engines = sealerChoices.stream()
                .map(r -> r == null ? "(not reported)" : r.split(" ", 2)[0])
                .collect(java.util.stream.Collectors.groupingBy(
                        e -> e, java.util.TreeMap::new, java.util.stream.Collectors.counting()));
        note("Atlas HTTPS sealing engine (--sealer " + (sealer == null ? "auto" : sealer) + "), by server start: "
                + engines + "; the first start said: " + sealerChoices.getFirst() + ".");
    }

    private void note(String text) {
        if (!notes.contains(text)) {
            notes.add(text);
            log.println("bench serve: " + text);
        }
    }

    private static String describe(Map<ContentCase, Integer> counts) {
        final List<String> parts = new ArrayList<>();
        counts.forEach((c, n) -> parts.add(
                c == ContentCase.LADDER
                        ? n + " segments of an HLS ladder made by ffmpeg"
                        : String.format(
                                Locale.ROOT,
                                "%d %s chunks (%.2f GiB)",
                                n,
                                c.id(),
                                (double) n * ContentSet.CHUNK_BYTES / (1L << 30))));
        return String.join(" and ", parts);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
