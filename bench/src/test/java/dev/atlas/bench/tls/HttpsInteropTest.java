package dev.atlas.bench.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.bench.interop.Prerequisites;
import dev.atlas.bench.netns.Topology;
import dev.atlas.bench.tcp.AtlasServerProcess;
import dev.atlas.catalogue.cli.CatalogueCli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * HTTPS from the catalogue through a lane, against real clients in a network namespace: curl
 * with TLS 1.3 (both suites) and TLS 1.2 (ECDHE-ECDSA and ECDHE-RSA, both key sizes), several
 * requests per kept-alive connection, and {@code openssl s_client} for both versions, every body
 * byte compared with the imported file; SNI choosing the ECDSA or the RSA certificate (each
 * verified by the client against the test CA) and the default for a name none has; plain HTTP
 * on port 80 of the same lane at the same time; a client speaking HTTP to the HTTPS port; a
 * KeyUpdate from the client in the middle of a 64 MiB download; one client doing six full
 * handshakes in a row ({@code s_client -reconnect}); certificates reloaded during a download.
 */
@Tag("root")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HttpsInteropTest {
    private static final long SEED = 0x7157_0001L;
    private static final String ECDSA_NAME = "edge.test";
    private static final String RSA_NAME = "rsa.test";
    /** Sizes around the block (4 KiB) and record (16 KiB) edges, and a few megabytes. */
    private static final Map<String, Integer> FILES = new LinkedHashMap<>();

    static {
        FILES.put("tiny.bin", 1);
        FILES.put("block.bin", 4097);
        FILES.put("record.bin", 16_384);
        FILES.put("record-plus.bin", 16_385);
        FILES.put("hls/720p/segment_00001.ts", 1_234_567);
        FILES.put("vod/feature.mp4", 6 * 1024 * 1024 + 123);
        FILES.put("vod/long.mp4", 24 * 1024 * 1024 + 7);
        FILES.put("vod/longest.mp4", 64 * 1024 * 1024 + 13);
    }

    /** Too big for the runs that fetch every file; the KeyUpdate download only. */
    private static final List<String> LARGE = List.of("vod/long.mp4", "vod/longest.mp4");

    private Path work;
    private Path content;
    private TestCa ca;
    private Topology net;
    private AtlasServerProcess server;

    @BeforeAll
    void up() throws Exception {
        Prerequisites.require("ip", "ethtool", "curl", "openssl");
        work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "https-interop-");
        content = Files.createDirectories(work.resolve("content"));
        final SplittableRandom random = new SplittableRandom(SEED);
        for (Map.Entry<String, Integer> e : FILES.entrySet()) {
            final Path file = content.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            final byte[] bytes = new byte[e.getValue()];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) random.nextInt(256);
            }
            Files.write(file, bytes);
        }
        final Path image = work.resolve("catalogue.img");
        cli("format", "-d", image.toString(), "--size", "160M");
        cli("import", "-d", image.toString(), content.toString());
        ca = new TestCa(work.resolve("pki"));
        final TestCa.Issued ecdsa = ca.issue("edge", TestCa.ec(), ECDSA_NAME, "*.edge.test");
        final TestCa.Issued rsa = ca.issue("rsa", TestCa.rsa(), RSA_NAME);
        net = Topology.up(Topology.uniqueName("https"), Topology.Mode.DIRECT).removeOnExit();
        server = AtlasServerProcess.startCatalogue(
                        net.serverNamespace(),
                        net.serverInterface(),
                        net.serverCidr(),
                        List.of(image),
                        List.of(
                                "--tls-cert",
                                ecdsa.certificate().toString(),
                                "--tls-key",
                                ecdsa.key().toString(),
                                "--tls-cert",
                                rsa.certificate().toString(),
                                "--tls-key",
                                rsa.key().toString()),
                        work.resolve("server"))
                .awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    void down() throws Exception {
        try {
            if (server != null) {
                System.out.println("https-interop: final server counters " + server.stats());
                final int exit = server.stop();
                assertEquals(0, exit, "the server did not stop cleanly:\n" + server.logTail());
            }
        } finally {
            if (net != null) {
                net.close();
            }
            if (work != null) {
                try (Stream<Path> walk = Files.walk(work)) {
                    walk.sorted(Comparator.reverseOrder())
                            .forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    private static void cli(String... args) {
        final int code = CatalogueCli.run(args);
        if (code != 0) {
            throw new IllegalStateException("atlas-catalogue " + String.join(" ", args) + " exited with " + code);
        }
    }

    /** What one curl run did: its exit code, per transfer the status, and how many connections it opened. */
    private record CurlRun(int exitCode, List<Integer> statuses, int connections, List<Path> bodies, String stderr) {}

    /** Runs one curl for every name in {@code names} (one connection when it can keep it alive). */
    private CurlRun curl(String host, List<String> options, String... names) throws IOException, InterruptedException {
        final Path dir = Files.createTempDirectory(work, "curl-");
        final List<String> command = new ArrayList<>(List.of(
                "ip",
                "netns",
                "exec",
                net.clientNamespace(),
                "curl",
                "-sS",
                "--max-time",
                "60",
                "--cacert",
                ca.caFile().toString(),
                "--resolve",
                host + ":443:" + net.serverAddress(),
                "-w",
                "%{http_code} %{num_connects}\\n"));
        command.addAll(options);
        final List<Path> bodies = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            final Path body = dir.resolve("body-" + i);
            bodies.add(body);
            command.addAll(List.of("-o", body.toString(), "https://" + host + "/" + names[i]));
        }
        final Process p = new ProcessBuilder(command).start();
        final CompletableFuture<String> err = drainText(p.getErrorStream());
        final String out = read(p.getInputStream());
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        final List<Integer> statuses = new ArrayList<>();
        int connections = 0;
        for (String line : out.strip().split("\n")) {
            final String[] w = line.strip().split(" ");
            if (w.length == 2) {
                statuses.add(Integer.parseInt(w[0]));
                connections += Integer.parseInt(w[1]);
            }
        }
        return new CurlRun(p.exitValue(), statuses, connections, bodies, err.join());
    }

    /**
     * {@code openssl s_client} from the client namespace to the HTTPS port, verifying the ECDSA
     * certificate and its name against the run's CA, with {@code options} after.
     */
    private Process sClient(String... options) throws IOException {
        final List<String> command = new ArrayList<>(List.of(
                "ip",
                "netns",
                "exec",
                net.clientNamespace(),
                "openssl",
                "s_client",
                "-connect",
                net.serverAddress() + ":443",
                "-servername",
                ECDSA_NAME,
                "-CAfile",
                ca.caFile().toString(),
                "-verify_return_error",
                "-verify_hostname",
                ECDSA_NAME));
        command.addAll(List.of(options));
        return new ProcessBuilder(command).start();
    }

    /**
     * All of {@code in}, read on a thread of its own: a process's pipes must drain at once, and
     * the common pool may have a single worker here.
     */
    private static CompletableFuture<byte[]> drain(java.io.InputStream in) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return in.readAllBytes();
                    } catch (IOException e) {
                        return new byte[0];
                    }
                },
                Thread.ofVirtual()::start);
    }

    private static CompletableFuture<String> drainText(java.io.InputStream in) {
        return CompletableFuture.supplyAsync(() -> read(in), Thread.ofVirtual()::start);
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private void assertBodies(CurlRun run, String... names) throws IOException {
        assertEquals(0, run.exitCode(), "curl failed: " + run.stderr());
        assertEquals(names.length, run.statuses().size(), "one status per transfer: " + run);
        for (int i = 0; i < names.length; i++) {
            assertEquals(200, run.statuses().get(i), names[i]);
            assertEquals(
                    -1L,
                    Files.mismatch(run.bodies().get(i), content.resolve(names[i])),
                    names[i] + " differs from the imported file");
        }
    }

    private static final String[] ALL =
            FILES.keySet().stream().filter(n -> !LARGE.contains(n)).toArray(String[]::new);

    @Test
    @Order(1)
    void curlTls13BothSuitesKeepAlive() throws Exception {
        for (String suite : List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384")) {
            final CurlRun run = curl(ECDSA_NAME, List.of("--tlsv1.3", "--tls13-ciphers", suite), ALL);
            assertBodies(run, ALL);
            assertEquals(1, run.connections(), suite + ": every request on one kept-alive connection");
        }
    }

    @Test
    @Order(2)
    void curlTls12EcdsaAndRsaBothKeySizes() throws Exception {
        for (String cipher : List.of("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384")) {
            final CurlRun run = curl(ECDSA_NAME, List.of("--tlsv1.2", "--tls-max", "1.2", "--ciphers", cipher), ALL);
            assertBodies(run, ALL);
            assertEquals(1, run.connections(), cipher);
        }
        // SNI picks the RSA certificate for its name (curl verifies it against the CA and the name).
        for (String cipher : List.of("ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384")) {
            final CurlRun run = curl(RSA_NAME, List.of("--tlsv1.2", "--tls-max", "1.2", "--ciphers", cipher), ALL);
            assertBodies(run, ALL);
        }
        assertBodies(curl(RSA_NAME, List.of("--tlsv1.3"), "vod/feature.mp4"), "vod/feature.mp4");
    }

    @Test
    @Order(3)
    void sniWildcardAndDefault() throws Exception {
        // A wildcard name of the ECDSA certificate.
        assertBodies(curl("cdn.edge.test", List.of("--tlsv1.3"), "record.bin"), "record.bin");
        // A name no certificate has gets the default (the first, edge.test): curl's name check refuses it.
        final CurlRun unknown = curl("other.test", List.of("--tlsv1.3"), "record.bin");
        assertEquals(60, unknown.exitCode(), "curl should refuse the default certificate for another name: " + unknown);
        // With the name check off, the same request succeeds: the handshake itself was fine.
        assertBodies(curl("other.test", List.of("--tlsv1.3", "-k"), "record.bin"), "record.bin");
    }

    @Test
    @Order(4)
    void opensslSClientBothVersionsPipelined() throws Exception {
        for (String version : List.of("-tls1_3", "-tls1_2")) {
            final String request = "GET /" + "record-plus.bin" + " HTTP/1.1\r\nHost: edge.test\r\n\r\n"
                    + "GET /hls/720p/segment_00001.ts HTTP/1.1\r\nHost: edge.test\r\nConnection: close\r\n\r\n";
            final Process p = sClient("-quiet", "-ign_eof", version);
            final CompletableFuture<String> err = drainText(p.getErrorStream());
            final CompletableFuture<byte[]> out = drain(p.getInputStream());
            p.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            p.getOutputStream().close(); // -ign_eof: s_client still reads until the server closes
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("openssl s_client " + version + " did not finish; " + out.join().length
                        + " bytes received; stderr: " + err.join() + "\nserver counters: " + server.stats());
            }
            final byte[] answer = out.join();
            int at = 0;
            for (String name : List.of("record-plus.bin", "hls/720p/segment_00001.ts")) {
                final byte[] expected = Files.readAllBytes(content.resolve(name));
                final int headEnd = indexOf(answer, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), at);
                assertTrue(headEnd > 0, version + ": no response head for " + name + "; stderr: " + err.join());
                final String head = new String(answer, at, headEnd - at, StandardCharsets.US_ASCII);
                assertTrue(head.startsWith("HTTP/1.1 200"), head);
                final int bodyStart = headEnd + 4;
                assertTrue(answer.length >= bodyStart + expected.length, version + ": body of " + name + " cut short");
                assertArrayEquals(
                        expected,
                        Arrays.copyOfRange(answer, bodyStart, bodyStart + expected.length),
                        version + ": " + name);
                at = bodyStart + expected.length;
            }
            assertEquals(answer.length, at, version + ": bytes after the last response");
        }
    }

    /**
     * A KeyUpdate from {@code openssl s_client} (asking for ours) once 1 MiB of a 64 MiB body has
     * arrived: the client's read keys move on mid-body, the body and the next response on the same
     * connection arrive byte for byte.
     */
    @Test
    @Order(5)
    void keyUpdateFromTheClientDuringADownload() throws Exception {
        final long before = server.freshStats().getOrDefault("tls.keyUpdatesReceived", 0L);
        // Interactive s_client (no -quiet, no -ign_eof: only then does a "K" line send a KeyUpdate
        // asking for ours); stdin stays open until the server closes after the second response.
        final Process p = sClient("-tls1_3");
        final CompletableFuture<String> err = drainText(p.getErrorStream());
        final java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
        final Thread reader = Thread.ofVirtual().start(() -> {
            final byte[] buffer = new byte[64 * 1024];
            try {
                int n;
                while ((n = p.getInputStream().read(buffer)) > 0) {
                    synchronized (received) {
                        received.write(buffer, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        final var stdin = p.getOutputStream();
        stdin.write("GET /vod/longest.mp4 HTTP/1.1\r\nHost: edge.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        stdin.flush();
        // A "K" line on its own read of stdin, once the body is flowing: a KeyUpdate mid-download.
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (size(received) < 1024 * 1024 && System.nanoTime() < deadline && p.isAlive()) {
            Thread.sleep(1);
        }
        stdin.write("K\n".getBytes(StandardCharsets.US_ASCII));
        stdin.flush();
        final long atKeyUpdate = size(received);
        Thread.sleep(1500);
        stdin.write("GET /record-plus.bin HTTP/1.1\r\nHost: edge.test\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        stdin.flush();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("s_client did not finish; stderr: " + err.join());
        }
        reader.join();
        final long expectedBytes = Files.size(content.resolve("vod/longest.mp4"));
        assertTrue(
                atKeyUpdate < expectedBytes,
                "the KeyUpdate went out after the download (" + atKeyUpdate + " bytes in)");
        final String stderr = err.join();
        byte[] answer;
        synchronized (received) {
            answer = received.toByteArray();
        }
        final byte[] marker = "KEYUPDATE\n".getBytes(StandardCharsets.US_ASCII);
        final boolean onStderr = stderr.contains("KEYUPDATE");
        final int inline = indexOf(answer, marker, 0);
        assertTrue(onStderr || inline >= 0, "s_client sent no KeyUpdate; stderr: " + stderr);
        if (!onStderr) {
            // s_client printed its note among the bytes it received: take it out again.
            final byte[] cut = new byte[answer.length - marker.length];
            System.arraycopy(answer, 0, cut, 0, inline);
            System.arraycopy(answer, inline + marker.length, cut, inline, answer.length - inline - marker.length);
            answer = cut;
        }
        int at = 0;
        for (String name : List.of("vod/longest.mp4", "record-plus.bin")) {
            final byte[] expected = Files.readAllBytes(content.resolve(name));
            final int head = indexOf(answer, "HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII), at);
            assertTrue(head >= 0, "no response for " + name + "; stderr: " + err.join());
            final int bodyStart = indexOf(answer, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), head) + 4;
            assertTrue(answer.length >= bodyStart + expected.length, name + " cut short");
            assertArrayEquals(expected, Arrays.copyOfRange(answer, bodyStart, bodyStart + expected.length), name);
            at = bodyStart + expected.length;
        }
        final Map<String, Long> after = server.freshStats();
        assertEquals(before + 1, after.get("tls.keyUpdatesReceived"), "the server saw the client's KeyUpdate");
        assertTrue(after.get("tls.keyUpdatesSent") >= 1, "and answered with its own");
    }

    @Test
    @Order(6)
    void httpOnTheSameLaneAndGarbageOnTheHttpsPort() throws Exception {
        final Path body = work.resolve("plain.bin");
        final Process http = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        net.clientNamespace(),
                        "curl",
                        "-sS",
                        "--max-time",
                        "30",
                        "-o",
                        body.toString(),
                        "http://" + net.serverAddress() + "/vod/feature.mp4")
                .start();
        assertTrue(http.waitFor(40, TimeUnit.SECONDS));
        assertEquals(0, http.exitValue());
        assertEquals(-1L, Files.mismatch(body, content.resolve("vod/feature.mp4")));
        // Plain HTTP to the HTTPS port: the server answers with a TLS alert and closes; curl fails, the server goes on.
        final long failedBefore = server.freshStats().getOrDefault("tls.handshakesFailed", 0L);
        final Process garbage = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        net.clientNamespace(),
                        "curl",
                        "-sS",
                        "--max-time",
                        "10",
                        "-o",
                        "/dev/null",
                        "http://" + net.serverAddress() + ":443/tiny.bin")
                .start();
        assertTrue(garbage.waitFor(20, TimeUnit.SECONDS));
        assertNotEquals(0, garbage.exitValue(), "HTTP on the HTTPS port must not succeed");
        final Map<String, Long> stats = server.freshStats();
        assertEquals(failedBefore + 1, stats.get("tls.handshakesFailed"), "the garbage handshake is counted as failed");
        assertEquals(0L, stats.get("tls.badRecords"), "no record of any real client failed authentication");
        assertBodies(curl(ECDSA_NAME, List.of("--tlsv1.3"), "tiny.bin"), "tiny.bin");
    }

    /**
     * The same bytes over HTTP and over HTTPS from one lane in the same run: each way, one curl
     * fetching the 24 MiB file four times on one connection; wall time and the server's CPU
     * seconds, printed as a ratio (the machine is shared, so the figures inform, the bytes are
     * what is checked).
     */
    @Test
    @Order(7)
    void httpsAgainstHttpOnTheSameContent() throws Exception {
        final String name = "vod/long.mp4";
        final double[] http = timed(false, name);
        final double[] https = timed(true, name);
        final double bytes = 4.0 * Files.size(content.resolve(name));
        System.out.printf(
                "https-vs-http: HTTP %.2f Gb/s (%.2f s, server CPU %.2f s), HTTPS %.2f Gb/s (%.2f s, server CPU %.2f s); "
                        + "HTTPS/HTTP throughput %.2f, bytes per server CPU second %.2f%n",
                bytes * 8 / http[0] / 1e9,
                http[0],
                http[1],
                bytes * 8 / https[0] / 1e9,
                https[0],
                https[1],
                http[0] / https[0],
                (bytes / https[1]) / (bytes / http[1]));
    }

    /**
     * One client, several full handshakes: {@code openssl s_client -reconnect} connects, drops
     * the connection and reconnects five times offering the session it got, for TLS 1.3 and 1.2;
     * the last connection then fetches a file. Atlas offers no resumption (no session IDs are
     * kept and no tickets are issued), so each of the six handshakes is a full one — the repeated
     * handshake is the evidence here, and the test checks that none was taken as resumed.
     */
    @Test
    @Order(8)
    void repeatedHandshakesFromOneClient() throws Exception {
        for (String version : List.of("-tls1_3", "-tls1_2")) {
            final long completedBefore = server.freshStats().get("tls.handshakesCompleted");
            final Process p = sClient("-reconnect", "-ign_eof", version);
            final CompletableFuture<String> err = drainText(p.getErrorStream());
            final CompletableFuture<byte[]> out = drain(p.getInputStream());
            p.getOutputStream()
                    .write("GET /record-plus.bin HTTP/1.1\r\nHost: edge.test\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
            p.getOutputStream().close();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(
                        "openssl s_client -reconnect " + version + " did not finish; stderr: " + err.join());
            }
            final byte[] answer = out.join();
            final String text = new String(answer, StandardCharsets.ISO_8859_1);
            final long fresh =
                    text.lines().filter(l -> l.startsWith("New, TLSv1.")).count();
            final long resumed =
                    text.lines().filter(l -> l.startsWith("Reused, TLSv1.")).count();
            final long completed = server.freshStats().get("tls.handshakesCompleted") - completedBefore;
            System.out.printf(
                    "https-interop: s_client -reconnect %s: %d full handshakes, %d resumed; server counted %d%n",
                    version, fresh, resumed, completed);
            assertEquals(0, p.exitValue(), version + ": " + err.join());
            assertEquals(
                    6, fresh + resumed, version + ": six connections, each with a handshake; stderr: " + err.join());
            assertEquals(0, resumed, version + ": Atlas offers no resumption, so no handshake may be a resumed one");
            assertEquals(6, completed, version + ": the server completed every handshake");
            final byte[] expected = Files.readAllBytes(content.resolve("record-plus.bin"));
            final int head = indexOf(answer, "HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII), 0);
            assertTrue(head >= 0, version + ": no response on the last connection; stderr: " + err.join());
            final int bodyStart = indexOf(answer, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), head) + 4;
            assertTrue(answer.length >= bodyStart + expected.length, version + ": body cut short");
            assertArrayEquals(expected, Arrays.copyOfRange(answer, bodyStart, bodyStart + expected.length), version);
        }
    }

    /**
     * New certificate files while a download runs: POST /admin/reload and SIGHUP pick them up
     * (the generation gauge counts), the download finishes byte for byte, new handshakes verify;
     * a broken key file is refused by the reload with a sentence and the certificates in use stay.
     */
    @Test
    @Order(9)
    void certificateReloadDuringADownload() throws Exception {
        final Path body = work.resolve("during-reload.bin");
        final Process download = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        net.clientNamespace(),
                        "curl",
                        "-sS",
                        "--max-time",
                        "60",
                        "--limit-rate",
                        "12M",
                        "--cacert",
                        ca.caFile().toString(),
                        "--resolve",
                        ECDSA_NAME + ":443:" + net.serverAddress(),
                        "-o",
                        body.toString(),
                        "https://" + ECDSA_NAME + "/vod/long.mp4")
                .redirectErrorStream(true)
                .start();
        Thread.sleep(300);
        final long generation = gauge("atlas_tls_certificate_generation");
        ca.issue("edge", TestCa.ec(), ECDSA_NAME, "*.edge.test"); // new key and certificate in the same files
        final String[] reload = management("POST", "/admin/reload");
        assertEquals("200", reload[0], "reload: " + reload[1]);
        assertTrue(reload[1].contains("certificates: 1") || reload[1].contains("certificates: 2"), reload[1]);
        assertEquals(generation + 1, gauge("atlas_tls_certificate_generation"));
        assertTrue(download.isAlive(), "the download should still be running during the reload");
        final Process hup = new ProcessBuilder("kill", "-HUP", Long.toString(server.pid())).start();
        assertTrue(hup.waitFor(10, TimeUnit.SECONDS));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (gauge("atlas_tls_certificate_generation") < generation + 2 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(generation + 2, gauge("atlas_tls_certificate_generation"), "SIGHUP reloads too");
        // A broken key: refused, the certificates in use stay.
        final Path key = work.resolve("pki").resolve("edge.key");
        final String good = Files.readString(key);
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nbroken\n");
        final String[] refused = management("POST", "/admin/reload");
        Files.writeString(key, good);
        assertEquals("500", refused[0], refused[1]);
        assertTrue(refused[1].contains(key.toString()), refused[1]);
        assertEquals(generation + 2, gauge("atlas_tls_certificate_generation"));
        assertTrue(download.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, download.exitValue(), read(download.getInputStream()));
        assertEquals(-1L, Files.mismatch(body, content.resolve("vod/long.mp4")), "the download across the reloads");
        assertBodies(curl(ECDSA_NAME, List.of("--tlsv1.3"), "record.bin"), "record.bin");
    }

    private long gauge(String name) throws Exception {
        final String[] metrics = management("GET", "/metrics");
        for (String line : metrics[1].split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError(name + " not in /metrics");
    }

    /** {status, body} of a management request (curl inside the server's namespace). */
    private String[] management(String method, String path) throws Exception {
        final Process p = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        net.serverNamespace(),
                        "curl",
                        "-sS",
                        "--max-time",
                        "30",
                        "-X",
                        method,
                        "-o",
                        "-",
                        "-w",
                        "\n%{http_code}",
                        server.managementUrl(path))
                .redirectErrorStream(true)
                .start();
        final String out = read(p.getInputStream());
        assertTrue(p.waitFor(40, TimeUnit.SECONDS));
        final int cut = out.lastIndexOf('\n');
        return new String[] {out.substring(cut + 1).strip(), out.substring(0, Math.max(0, cut))};
    }

    /** {wall seconds, server CPU seconds} for four downloads of {@code name} on one connection, checked byte for byte. */
    private double[] timed(boolean tls, String name) throws Exception {
        final Path dir = Files.createTempDirectory(work, tls ? "https-" : "http-");
        final List<String> command = new ArrayList<>(List.of(
                "ip",
                "netns",
                "exec",
                net.clientNamespace(),
                "curl",
                "-sS",
                "--max-time",
                "120",
                "--cacert",
                ca.caFile().toString(),
                "--resolve",
                ECDSA_NAME + ":443:" + net.serverAddress()));
        for (int i = 0; i < 4; i++) {
            command.addAll(List.of(
                    "-o",
                    dir.resolve("body-" + i).toString(),
                    (tls ? "https://" + ECDSA_NAME : "http://" + net.serverAddress()) + "/" + name));
        }
        final double cpuBefore = server.cpuSeconds();
        final long start = System.nanoTime();
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String says = read(p.getInputStream());
        assertTrue(p.waitFor(150, TimeUnit.SECONDS));
        final double wall = (System.nanoTime() - start) / 1e9;
        final double cpu = server.cpuSeconds() - cpuBefore;
        assertEquals(0, p.exitValue(), says);
        for (int i = 0; i < 4; i++) {
            assertEquals(-1L, Files.mismatch(dir.resolve("body-" + i), content.resolve(name)));
        }
        return new double[] {wall, cpu};
    }

    private static long size(java.io.ByteArrayOutputStream received) {
        synchronized (received) {
            return received.size();
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
