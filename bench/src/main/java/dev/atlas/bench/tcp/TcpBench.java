package dev.atlas.bench.tcp;

import dev.atlas.bench.netns.Topology;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./atlas bench tcp}: one lane of the Atlas stack against the kernel's TCP over the same
 * veth pair in the same run. Each server answers the same {@code GET /pattern/<bytes>} from
 * memory; curl in the client namespace downloads it {@code --runs} times; the table reports
 * Gb/s, server CPU-seconds per GB (utime+stime from /proc, whole process) and the ratios.
 * iperf3 ({@code -R}, one stream) adds a kernel row without HTTP.
 */
@Command(
        name = "tcp",
        mixinStandardHelpOptions = true,
        description = "Atlas userspace TCP (one lane) vs the kernel's TCP on the same veth: Gb/s and CPU-s/GB.")
public final class TcpBench implements Callable<Integer> {
    private static final double GB = 1e9;

    @Option(
            names = "--bytes",
            defaultValue = "2147483648",
            description = "Bytes per download; default ${DEFAULT-VALUE}.")
    long bytes;

    @Option(
            names = "--runs",
            defaultValue = "3",
            description = "Measured downloads per server; default ${DEFAULT-VALUE}.")
    int runs;

    @Option(
            names = "--idle",
            defaultValue = "backoff",
            description = "Atlas lane idle strategy (spin|backoff); default ${DEFAULT-VALUE}.")
    String idle;

    @Option(
            names = "--congestion",
            defaultValue = "cubic",
            description = "Atlas congestion control; default ${DEFAULT-VALUE}.")
    String congestion;

    @Option(
            names = "--iperf-seconds",
            defaultValue = "5",
            description = "iperf3 run length (0 skips it); default ${DEFAULT-VALUE}.")
    int iperfSeconds;

    @Option(
            names = "--client-rmem",
            paramLabel = "\"MIN DEFAULT MAX\"",
            description =
                    "net.ipv4.tcp_rmem in the client namespace, e.g. \"4096 4096 4096\" for a client with a tiny receive window.")
    String clientRmem;

    @Option(names = "--csv", description = "Also write the table as CSV to this file.")
    Path csv;

    private final PrintStream out = System.out;

    /** One measured server. */
    record Row(String server, long bytes, double seconds, double cpuSeconds) {
        double gbitPerSecond() {
            return bytes * 8.0 / seconds / GB;
        }

        double cpuSecondsPerGB() {
            return cpuSeconds / (bytes / GB);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || bytes < 1) {
            System.err.println("atlas bench tcp: --runs and --bytes must be positive");
            return 2;
        }
        final Path work = Files.createTempDirectory("atlas-bench-tcp");
        final List<Row> rows = new ArrayList<>();
        try (Topology net = Topology.up(Topology.uniqueName("bench-tcp"), Topology.Mode.DIRECT)
                .removeOnExit()) {
            out.printf("bench tcp: namespaces %s, %d × %d bytes per server%n", net.namespaces(), runs, bytes);
            if (clientRmem != null) {
                Commands.output(List.of(
                        "ip",
                        "netns",
                        "exec",
                        net.clientNamespace(),
                        "sh",
                        "-c",
                        "echo \"$0\" > /proc/sys/net/ipv4/tcp_rmem",
                        clientRmem));
                out.printf("  client receive buffer (tcp_rmem): %s%n", clientRmem);
            }
            rows.add(measureAtlas(net, work));
            rows.add(measureKernel(net));
            if (iperfSeconds > 0) {
                rows.add(measureIperf(net));
            }
        }
        print(rows);
        return 0;
    }

    private Row measureAtlas(Topology net, Path work) throws Exception {
        try (AtlasServerProcess server = AtlasServerProcess.start(
                net.serverNamespace(),
                net.serverInterface(),
                net.serverCidr(),
                List.of("--idle", idle, "--congestion", congestion),
                work)) {
            server.awaitReady(Duration.ofSeconds(30));
            final Row row =
                    measureHttp("atlas (1 lane, " + congestion + ")", net, net.serverAddress(), server::cpuSeconds);
            final var stats = server.freshStats();
            final long frames = stats.getOrDefault("tcp.framesOut", 0L);
            out.printf(
                    "  atlas: %.1f KiB payload per TX frame, %d retransmitted frames%n",
                    frames == 0 ? 0.0 : stats.getOrDefault("tcp.payloadBytesOut", 0L) / 1024.0 / frames,
                    stats.getOrDefault("tcp.retransmitFrames", 0L));
            return row;
        }
    }

    private Row measureKernel(Topology net) throws Exception {
        net.addServerKernelAddress();
        final Process server = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        net.serverNamespace(),
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-XX:+UseParallelGC",
                        "-Xmx256m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        KernelPatternServer.class.getName(),
                        net.serverKernelAddress(),
                        "80")
                .redirectErrorStream(true)
                .start();
        try {
            awaitLine(server, "kernel pattern server");
            return measureHttp(
                    "kernel TCP (Java NIO, 1 thread/conn)",
                    net,
                    net.serverKernelAddress(),
                    () -> cpuSeconds(server.pid()));
        } finally {
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
            net.removeServerKernelAddress();
        }
    }

    private Row measureIperf(Topology net) throws Exception {
        net.addServerKernelAddress();
        final Process server = new ProcessBuilder(
                        "ip", "netns", "exec", net.serverNamespace(), "iperf3", "-s", "-B", net.serverKernelAddress())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            Thread.sleep(500);
            final double cpuBefore = cpuSeconds(server.pid());
            final String json = Commands.output(List.of(
                    "ip",
                    "netns",
                    "exec",
                    net.clientNamespace(),
                    "iperf3",
                    "-c",
                    net.serverKernelAddress(),
                    "-R",
                    "-t",
                    Integer.toString(iperfSeconds),
                    "-J"));
            final double cpu = cpuSeconds(server.pid()) - cpuBefore;
            final long received = jsonLong(json, "\"sum_received\"", "\"bytes\"");
            final double seconds = jsonDouble(json, "\"sum_received\"", "\"seconds\"");
            return new Row("kernel TCP (iperf3 -R)", received, seconds, cpu);
        } finally {
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
            net.removeServerKernelAddress();
        }
    }

    @FunctionalInterface
    private interface CpuClock {
        double seconds() throws IOException;
    }

    /** One warm-up download, then {@code runs} measured ones; keeps the fastest (least disturbed) run. */
    private Row measureHttp(String name, Topology net, String ip, CpuClock cpu) throws Exception {
        final String url = "http://" + ip + "/pattern/" + bytes;
        download(net, "http://" + ip + "/pattern/" + Math.min(bytes, 256L << 20));
        Row best = null;
        for (int i = 0; i < runs; i++) {
            final double cpuBefore = cpu.seconds();
            final double seconds = download(net, url);
            final Row row = new Row(name, bytes, seconds, cpu.seconds() - cpuBefore);
            out.printf(
                    Locale.ROOT,
                    "  %s run %d: %.2f Gb/s, %.3f CPU-s/GB%n",
                    name,
                    i + 1,
                    row.gbitPerSecond(),
                    row.cpuSecondsPerGB());
            if (best == null || row.seconds < best.seconds) {
                best = row;
            }
        }
        return best;
    }

    /** curl to /dev/null; returns curl's own transfer time. */
    private static double download(Topology net, String url) throws IOException, InterruptedException {
        final String result = Commands.output(List.of(
                "ip",
                "netns",
                "exec",
                net.clientNamespace(),
                "curl",
                "-sS",
                "--fail",
                "--max-time",
                "600",
                "-o",
                "/dev/null",
                "-w",
                "%{size_download} %{time_total}",
                url));
        final String[] parts = result.trim().split(" ");
        return Double.parseDouble(parts[1]);
    }

    private static void awaitLine(Process process, String marker) throws IOException {
        final var reader = process.inputReader(StandardCharsets.UTF_8);
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.contains(marker)) {
                Thread.ofVirtual().start(() -> {
                    try {
                        reader.transferTo(java.io.Writer.nullWriter());
                    } catch (IOException ignored) {
                        // the server stopped
                    }
                });
                return;
            }
        }
        throw new IOException("the kernel baseline server exited before it listened");
    }

    static double cpuSeconds(long pid) throws IOException {
        final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        final String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(rest[11]) + Long.parseLong(rest[12])) / 100.0;
    }

    private static String after(String json, String section, String key) throws IOException {
        final int s = json.lastIndexOf(section);
        final int k = s < 0 ? -1 : json.indexOf(key, s);
        if (k < 0) {
            throw new IOException("iperf3 JSON lacks " + section + "." + key);
        }
        final int colon = json.indexOf(':', k);
        int end = colon + 1;
        while (end < json.length() && ",}\n".indexOf(json.charAt(end)) < 0) {
            end++;
        }
        return json.substring(colon + 1, end).trim();
    }

    private static long jsonLong(String json, String section, String key) throws IOException {
        return (long) Double.parseDouble(after(json, section, key));
    }

    private static double jsonDouble(String json, String section, String key) throws IOException {
        return Double.parseDouble(after(json, section, key));
    }

    private void print(List<Row> rows) throws IOException {
        final Row atlas = rows.get(0);
        final Row kernel = rows.get(1);
        out.println();
        out.printf(Locale.ROOT, "%-40s %10s %12s%n", "server", "Gb/s", "CPU-s/GB");
        for (Row r : rows) {
            out.printf(Locale.ROOT, "%-40s %10.2f %12.3f%n", r.server(), r.gbitPerSecond(), r.cpuSecondsPerGB());
        }
        out.printf(
                Locale.ROOT,
                "atlas / kernel HTTP: throughput × %.2f, CPU per GB × %.2f%n",
                atlas.gbitPerSecond() / kernel.gbitPerSecond(),
                atlas.cpuSecondsPerGB() / kernel.cpuSecondsPerGB());
        if (csv != null) {
            final StringBuilder text = new StringBuilder("server,bytes,seconds,cpu_seconds,gbit_per_s,cpu_s_per_gb\n");
            for (Row r : rows) {
                text.append(String.format(
                        Locale.ROOT,
                        "\"%s\",%d,%.4f,%.3f,%.3f,%.4f%n",
                        r.server(),
                        r.bytes(),
                        r.seconds(),
                        r.cpuSeconds(),
                        r.gbitPerSecond(),
                        r.cpuSecondsPerGB()));
            }
            Files.writeString(csv, text);
            out.println("wrote " + csv);
        }
    }
}
