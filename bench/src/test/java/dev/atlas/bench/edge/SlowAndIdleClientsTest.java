package dev.atlas.bench.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.bench.datapath.ServedContent;
import dev.atlas.bench.interop.Prerequisites;
import dev.atlas.bench.netns.Topology;
import dev.atlas.bench.tcp.AtlasServerProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One lane holds thousands of slow-header connections (a head trickling in a byte a second) and
 * thousands of idle keep-alive connections, from a client JVM in the client namespace, with its
 * table full; fifty new clients then each download a file byte-exact within a bounded time (the
 * table makes room by evicting the oldest idle connections), and every slow connection is
 * answered 408 once its head deadline passes. The server's RSS per held connection is printed.
 */
@Tag("root")
@Timeout(240)
class SlowAndIdleClientsTest {
    private static final int IDLE = 10_000;
    private static final int SLOW = 10_000;
    private static final int NEW_CLIENTS = 50;
    private static final int FILES = 5;
    private static final long FILE_BYTES = 1L << 20;
    private static final long HEAD_TIMEOUT_MS = 12_000;
    private static final long HOLD_SECONDS = 18;
    private static final long DOWNLOAD_SECONDS = 30;

    @Test
    void slowAndIdleClientsDoNotLockNewOnesOut() throws Exception {
        Prerequisites.require("ip", "curl");
        final Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "slow-idle");
        final Map<String, Long> files = new LinkedHashMap<>();
        files.put("v/small.bin", 1024L);
        for (int i = 0; i < FILES; i++) {
            files.put("v/seg-" + i + ".bin", FILE_BYTES);
        }
        final ServedContent content = ServedContent.build(work, "64M", files, 12);
        try (Topology net = Topology.up(Topology.uniqueName("slowidle"), Topology.Mode.DIRECT)
                        .removeOnExit();
                AtlasServerProcess server = AtlasServerProcess.startCatalogue(
                                net.serverNamespace(),
                                net.serverInterface(),
                                net.serverCidr(),
                                List.of(content.image),
                                List.of(
                                        "--max-connections",
                                        Integer.toString(IDLE + SLOW),
                                        "--request-head-timeout-ms",
                                        Long.toString(HEAD_TIMEOUT_MS),
                                        "--keepalive-timeout-ms",
                                        "600000"),
                                work.resolve("server"))
                        .awaitReady(Duration.ofSeconds(60))) {
            final long rssStart = rssBytes(server.pid());
            // Two client JVMs: a process may hold 20,000 descriptors here, and cannot raise that.
            final Process idleClients = clients(net, IDLE, 0, HOLD_SECONDS);
            final BufferedReader idleLines = idleClients.inputReader(StandardCharsets.UTF_8);
            final String idleHolding = awaitLine(idleLines, "holding", idleClients);
            final Process slowClients = clients(net, 0, SLOW, HOLD_SECONDS);
            try {
                final BufferedReader slowLines = slowClients.inputReader(StandardCharsets.UTF_8);
                final String holding = idleHolding + ", " + awaitLine(slowLines, "holding", slowClients);
                final long rssHolding = rssBytes(server.pid());
                final Map<String, Long> held = server.freshStats();

                final long started = System.nanoTime();
                final List<Process> downloads = new ArrayList<>();
                for (int i = 0; i < NEW_CLIENTS; i++) {
                    // A player retries a failed segment; one of fifty was occasionally reset (see the report).
                    downloads.add(new ProcessBuilder(
                                    "ip",
                                    "netns",
                                    "exec",
                                    net.clientNamespace(),
                                    "curl",
                                    "-sS",
                                    "--fail",
                                    "--retry",
                                    "2",
                                    "--retry-all-errors",
                                    "--retry-delay",
                                    "1",
                                    "--max-time",
                                    Long.toString(DOWNLOAD_SECONDS),
                                    "-o",
                                    work.resolve("download-" + i).toString(),
                                    "http://" + net.serverAddress() + "/v/seg-" + (i % FILES) + ".bin")
                            .redirectErrorStream(true)
                            .start());
                }
                final StringBuilder failures = new StringBuilder();
                for (int i = 0; i < NEW_CLIENTS; i++) {
                    final Process curl = downloads.get(i);
                    if (!curl.waitFor(DOWNLOAD_SECONDS + 10, TimeUnit.SECONDS)) {
                        curl.destroyForcibly();
                        failures.append("download ").append(i).append(" hung\n");
                        continue;
                    }
                    final String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    if (curl.exitValue() != 0) {
                        failures.append("download ")
                                .append(i)
                                .append(": ")
                                .append(output.strip())
                                .append('\n');
                    } else if (Files.mismatch(
                                    content.source("v/seg-" + (i % FILES) + ".bin"), work.resolve("download-" + i))
                            != -1) {
                        failures.append("download ").append(i).append(" differs from its source\n");
                    }
                }
                final double seconds = (System.nanoTime() - started) / 1e9;

                final String slowResult = awaitLine(slowLines, "result", slowClients);
                final String idleResult = awaitLine(idleLines, "result", idleClients);
                final String result = idleResult + ", " + slowResult;
                final Map<String, Long> after = server.freshStats();
                final int slow408 = field(slowResult, "slow408=");
                final int idleOpen = field(idleResult, "idleOpen=");
                final String figures = String.format(
                        Locale.ROOT,
                        "%s; %d new clients downloaded %d MiB byte-exact in %.2f s; %s; evicted %d, head deadlines %d;"
                                + " server RSS %.1f MiB at start, %.1f MiB holding them: %.0f B per held connection",
                        holding,
                        NEW_CLIENTS,
                        NEW_CLIENTS * FILE_BYTES >> 20,
                        seconds,
                        result,
                        after.getOrDefault("tcp.connectionsEvicted", 0L),
                        after.getOrDefault("tcp.applicationDeadlines", 0L),
                        rssStart / 1048576.0,
                        rssHolding / 1048576.0,
                        (rssHolding - rssStart) / (double) (IDLE + SLOW));
                System.out.println("slow and idle clients: " + figures);
                assertTrue(failures.isEmpty(), failures + figures + "\n" + after);
                assertEquals(IDLE + SLOW, held.getOrDefault("tcp.connectionsOpen", 0L), "all held at once: " + figures);
                assertTrue(seconds < DOWNLOAD_SECONDS, figures);
                assertEquals(SLOW, slow408, "every slow head was answered 408: " + figures);
                assertTrue(
                        idleOpen >= IDLE - NEW_CLIENTS && idleOpen < IDLE,
                        "only idle connections made room: " + figures);
            } finally {
                for (Process p : List.of(idleClients, slowClients)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** A {@link SlowClients} JVM in the client namespace. */
    static Process clients(Topology net, int idle, int slow, long holdSeconds, String... localAddresses)
            throws IOException {
        final List<String> command = new ArrayList<>(List.of(
                "ip",
                "netns",
                "exec",
                net.clientNamespace(),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                SlowClients.class.getName(),
                net.serverAddress(),
                "80",
                Integer.toString(idle),
                Integer.toString(slow),
                "v/small.bin",
                Long.toString(holdSeconds)));
        if (localAddresses.length > 0) {
            command.add(String.join(",", localAddresses));
        }
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    static String awaitLine(BufferedReader lines, String prefix, Process process) throws IOException {
        String line;
        final StringBuilder seen = new StringBuilder();
        while ((line = lines.readLine()) != null) {
            if (line.startsWith(prefix)) {
                return line;
            }
            seen.append(line).append('\n');
        }
        throw new IOException("the client process ended (" + (process.isAlive() ? "?" : process.exitValue())
                + ") before '" + prefix + "':\n" + seen);
    }

    private static int field(String line, String name) {
        final int at = line.indexOf(name) + name.length();
        int end = at;
        while (end < line.length() && Character.isDigit(line.charAt(end))) {
            end++;
        }
        return Integer.parseInt(line.substring(at, end));
    }

    /** VmRSS of process {@code pid}. */
    static long rssBytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS for process " + pid);
    }
}
