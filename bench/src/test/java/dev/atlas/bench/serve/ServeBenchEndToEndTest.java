package dev.atlas.bench.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.bench.interop.Prerequisites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * {@code ./atlas bench serve} end to end on a tiny configuration: Atlas (1 lane) and nginx, cold
 * content without delay and hot content through the delay middlebox, 4 and 16 connections, two
 * runs at 16; Atlas HTTPS and nginx HTTPS on the cold content without delay. Checks the CSV (every
 * run served chunks and has its figures, HTTPS runs without a single error), the PNGs, the summary,
 * and that namespaces, the cgroup, the content and every process are gone afterwards — also when
 * the run is stopped with SIGTERM halfway.
 */
@Tag("root")
@Timeout(300)
class ServeBenchEndToEndTest {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final List<String> TINY = List.of(
            "--servers",
            "atlas-1lane,atlas-https,nginx,nginx-https",
            "--blocks",
            "none:cold,bands:hot",
            "--https-blocks",
            "none:cold",
            "--connections",
            "4,16",
            "--repetitions",
            "2",
            "--seconds",
            "2",
            "--warmup-seconds",
            "1",
            "--cold-chunks",
            "80",
            "--hot-chunks",
            "10",
            "--cgroup-mib",
            "64");

    @Test
    void tinyRunWritesCsvPlotsAndSummaryAndLeavesNothingBehind() throws Exception {
        Prerequisites.require("ip", "nft", "ethtool", "wrk", "nginx", "gnuplot", "curl", "ss", "openssl");
        final Path out = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "serve-bench");
        final Set<String> namespacesBefore = namespaces();
        final List<String> args = new ArrayList<>(TINY);
        args.addAll(List.of("--out", out.toString()));
        final int status = new CommandLine(new ServeBench()).execute(args.toArray(String[]::new));
        assertEquals(0, status);

        final Path dir = onlyChild(out);
        final List<String> csv = Files.readAllLines(dir.resolve("runs.csv"));
        final List<String> header = Arrays.asList(csv.getFirst().split(","));
        // (2 HTTP servers × 2 blocks + 2 HTTPS servers × 1 block) × (4 and 16 connections, then 16 once more).
        assertEquals(1 + 18, csv.size(), String.join("\n", csv));
        for (String line : csv.subList(1, csv.size())) {
            final String[] f = line.split(",", -1);
            final String row = "run " + line;
            assertEquals(header.size(), f.length, row);
            assertTrue(Long.parseLong(f[header.indexOf("requests")]) > 0, row + ": no request completed");
            assertTrue(Double.parseDouble(f[header.indexOf("body_gbit_per_s")]) > 0, row);
            final double window = Double.parseDouble(f[header.indexOf("window_gbit_per_s")]);
            assertTrue(Double.isNaN(window) || window >= 0, row + ": window Gb/s " + window);
            assertTrue(Double.parseDouble(f[header.indexOf("server_cpu_s")]) > 0, row + ": no server CPU seen");
            assertTrue(Double.parseDouble(f[header.indexOf("client_cpu_s")]) > 0, row + ": no client CPU seen");
            assertTrue(Double.parseDouble(f[header.indexOf("latency_p99_ms")]) > 0, row);
            final int connections = Integer.parseInt(f[header.indexOf("connections")]);
            final double jain = Double.parseDouble(f[header.indexOf("jain_index")]);
            assertTrue(
                    Double.isNaN(jain) || (jain >= 1.0 / connections - 1e-9 && jain <= 1 + 1e-9),
                    row + ": Jain " + jain);
            final String reads = f[header.indexOf("atlas_disk_reads")];
            final String server = f[header.indexOf("server")];
            if (server.startsWith("atlas")) {
                assertTrue(Long.parseLong(reads) > 0, row + ": Atlas served without drive reads?");
            } else {
                assertEquals("", reads, row + ": nginx has no Atlas counters");
            }
            final String handshakes = f[header.indexOf("atlas_tls_handshakesCompleted")];
            if (server.equals("atlas-https")) {
                assertTrue(Long.parseLong(handshakes) > 0, row + ": HTTPS served without a handshake?");
            } else {
                assertEquals("", handshakes, row + ": only Atlas HTTPS counts handshakes");
            }
            if (server.endsWith("-https")) {
                for (String errors :
                        List.of("errors_connect", "errors_read", "errors_write", "errors_status", "timeouts")) {
                    assertEquals("0", f[header.indexOf(errors)], row + ": " + errors + " over HTTPS");
                }
            }
        }
        final Set<String> httpsRows = csv.stream()
                .skip(1)
                .map(l -> l.split(","))
                .filter(f -> f[2].endsWith("-https"))
                .map(f -> f[0] + "/" + f[1] + "/" + f[2])
                .collect(Collectors.toSet());
        assertEquals(Set.of("none/cold/atlas-https", "none/cold/nginx-https"), httpsRows);
        assertEquals(
                Set.of("none/cold", "bands/hot"),
                csv.stream()
                        .skip(1)
                        .map(l -> l.split(",")[0] + "/" + l.split(",")[1])
                        .collect(Collectors.toSet()));
        assertTrue(Files.readAllLines(dir.resolve("latency-cdf.csv")).size() > 12 * 10);

        final List<String> pngs = List.of(
                "throughput-none.png",
                "cpu-per-gb-none.png",
                "latency-cdf-none-cold.png",
                "throughput-bands.png",
                "cpu-per-gb-bands.png",
                "latency-cdf-bands-hot.png");
        for (String png : pngs) {
            final byte[] bytes = Files.readAllBytes(dir.resolve(png));
            assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(bytes, PNG_SIGNATURE.length), png + " is not a PNG");
            assertTrue(bytes.length > 10_000, png + " is only " + bytes.length + " bytes: an empty plot?");
        }
        final String summary = Files.readString(dir.resolve("summary.md"));
        for (String part : List.of(
                "## Machine",
                "## Atlas / nginx",
                "| no added delay | 0% cache | 16 | Atlas HTTP, 1 lane |",
                "| delay bands | 100% cache | 4 | Atlas HTTP, 1 lane |",
                "| no added delay | 0% cache | 16 | Atlas HTTPS, 1 lane |",
                "## HTTPS",
                "| Atlas HTTPS / HTTP (target ≥ 0.85) |",
                "Atlas HTTPS sealing engine (--sealer auto), by server start:",
                "--tls-cert <results>/work/tls/server.crt --tls-key <results>/work/tls/server.key --tls-port 443",
                "wrk over HTTPS (16 connections): `ip netns exec",
                "OPENSSL_CONF=",
                "## Spread at 16 connections",
                "--blocks none:cold,bands:hot",
                "wrk (16 connections): `ip netns exec",
                "nginx HTTP (sendfile, aio threads): `sh -c echo $$ >")) {
            assertTrue(summary.contains(part), "summary.md lacks '" + part + "':\n" + summary);
        }
        for (String png : pngs) {
            assertTrue(summary.contains("(" + png + ")"), "summary.md does not link " + png);
        }
        // The HTTPS table's row: Atlas HTTP and HTTPS Gb/s and their ratio, all measured.
        assertTrue(
                summary.matches(
                        "(?s).*\\| no added delay \\| 0% cache \\| 16 \\| [0-9.]+ \\| [0-9.]+ \\| [0-9.]+ \\|.*"),
                "summary.md has no HTTPS/HTTP ratio at 16 connections:\n" + summary);
        assertFalse(Files.exists(dir.resolve("work/content")), "the content was not removed");
        assertNothingLeft(
                namespacesBefore, ProcessHandle.current().descendants().toList());
    }

    @Test
    void sigtermHalfwayStillRemovesNamespacesCgroupAndProcesses() throws Exception {
        Prerequisites.require("ip", "nft", "ethtool", "wrk", "nginx", "gnuplot", "curl", "ss", "openssl");
        final Path out = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "serve-bench-stopped");
        final Set<String> namespacesBefore = namespaces();
        final List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.atlas.bench.BenchCli",
                "serve"));
        command.addAll(List.of(
                "--servers",
                "nginx,atlas-1lane",
                "--blocks",
                "bands:cold",
                "--connections",
                "8",
                "--repetitions",
                "1",
                "--seconds",
                "30",
                "--warmup-seconds",
                "0",
                "--cold-chunks",
                "40",
                "--hot-chunks",
                "4",
                "--cgroup-mib",
                "64",
                "--out",
                out.toString()));
        final Process bench = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(out.resolve("bench.log").toFile())
                .start();
        // Wait until wrk runs against nginx: namespaces, middlebox, cgroup and servers all exist then.
        final long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        List<ProcessHandle> family = List.of();
        while (System.nanoTime() < deadline && bench.isAlive()) {
            family = bench.descendants().toList();
            if (family.stream().anyMatch(p -> p.info().command().orElse("").endsWith("/wrk"))) {
                break;
            }
            Thread.sleep(200);
        }
        assertTrue(
                family.stream().anyMatch(p -> p.info().command().orElse("").endsWith("/wrk")),
                "wrk never started: " + Files.readString(out.resolve("bench.log")));
        family = bench.descendants().toList();
        bench.destroy();
        assertTrue(bench.waitFor(60, TimeUnit.SECONDS), "the bench did not stop within 60 s of SIGTERM");
        assertNothingLeft(namespacesBefore, family);
        assertFalse(Files.exists(onlyChild(out).resolve("work/content")), "the content was not removed");
    }

    private static void assertNothingLeft(Set<String> namespacesBefore, List<ProcessHandle> processes)
            throws Exception {
        final Set<String> added = new HashSet<>(namespaces());
        added.removeAll(namespacesBefore);
        assertEquals(Set.of(), added, "namespaces left behind");
        try (Stream<Path> groups = Files.list(MemoryCgroup.MEMORY_ROOT)) {
            final List<String> left = groups.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(MemoryCgroup.PREFIX))
                    .toList();
            assertEquals(List.of(), left, "memory cgroups left behind");
        }
        for (ProcessHandle p : processes) {
            p.onExit().get(10, TimeUnit.SECONDS);
            assertFalse(
                    p.isAlive(),
                    "process " + p.pid() + " (" + p.info().commandLine().orElse("?") + ") outlived the bench");
        }
    }

    private static Set<String> namespaces() throws IOException, InterruptedException {
        final Process ip = new ProcessBuilder("ip", "netns", "list")
                .redirectErrorStream(true)
                .start();
        final String out = new String(ip.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        ip.waitFor();
        // Only the bench's own (other tests and tools on the machine make namespaces of their own meanwhile).
        return out.lines()
                .map(l -> l.split("\\s+")[0])
                .filter(n -> n.startsWith(ServeBench.TOPOLOGY_PREFIX + "-"))
                .collect(Collectors.toSet());
    }

    private static Path onlyChild(Path dir) throws IOException {
        try (Stream<Path> children = Files.list(dir)) {
            final List<Path> dirs = children.filter(Files::isDirectory).toList();
            assertEquals(1, dirs.size(), "expected one results directory in " + dir + ": " + dirs);
            return dirs.getFirst();
        }
    }
}
