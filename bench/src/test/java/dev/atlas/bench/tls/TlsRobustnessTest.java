package dev.atlas.bench.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.bench.interop.Prerequisites;
import dev.atlas.bench.netns.Topology;
import dev.atlas.bench.tcp.AtlasServerProcess;
import dev.atlas.catalogue.cli.CatalogueCli;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Misbehaving and crowding TLS clients against one lane while a download runs on it: a record
 * with a corrupted tag gets alert {@code bad_record_mac}, a record longer than the protocol
 * allows {@code record_overflow}, a truncated ClientHello fails its handshake, a client offering
 * only TLS 1.0 and 1.1 gets {@code protocol_version}, a client offering only a suite we do not
 * speak gets {@code handshake_failure}, and 1,000 simultaneous handshakes (each with a request)
 * all complete — each counted — while the concurrent 24 MiB download finishes byte for byte.
 */
@Tag("root")
class TlsRobustnessTest {
    private static final String NAME = "edge.test";
    private static final int CROWD = 1000;

    @Test
    void misbehavingAndCrowdingClientsBesideADownload() throws Exception {
        Prerequisites.require("ip", "ethtool", "curl", "python3");
        final Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "tls-robust-");
        try {
            final Path content = Files.createDirectories(work.resolve("content"));
            Files.write(content.resolve("tiny.bin"), new byte[] {42});
            final byte[] big = new byte[24 * 1024 * 1024 + 5];
            final SplittableRandom random = new SplittableRandom(0x7157_2222L);
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) random.nextInt(256);
            }
            Files.write(content.resolve("big.bin"), big);
            final Path image = work.resolve("catalogue.img");
            assertEquals(0, CatalogueCli.run("format", "-d", image.toString(), "--size", "64M"));
            assertEquals(0, CatalogueCli.run("import", "-d", image.toString(), content.toString()));
            final TestCa ca = new TestCa(work.resolve("pki"));
            final TestCa.Issued cert = ca.issue("edge", TestCa.ec(), NAME);
            final Path script = work.resolve("tls_peers.py");
            try (InputStream in = TlsRobustnessTest.class.getResourceAsStream("tls_peers.py")) {
                Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
            }
            try (Topology net = Topology.up(Topology.uniqueName("tls-robust"), Topology.Mode.DIRECT)
                            .removeOnExit();
                    AtlasServerProcess server = AtlasServerProcess.startCatalogue(
                                    net.serverNamespace(),
                                    net.serverInterface(),
                                    net.serverCidr(),
                                    List.of(image),
                                    List.of(
                                            "--tls-cert",
                                            cert.certificate().toString(),
                                            "--tls-key",
                                            cert.key().toString()),
                                    work.resolve("server"))
                            .awaitReady(Duration.ofSeconds(60))) {
                final Map<String, Long> before = server.freshStats();
                final Path body = work.resolve("big.download");
                // The download goes on (rate-limited) while the rest happens.
                final Process download = new ProcessBuilder(
                                "ip",
                                "netns",
                                "exec",
                                net.clientNamespace(),
                                "curl",
                                "-sS",
                                "--max-time",
                                "120",
                                "--limit-rate",
                                "8M",
                                "--cacert",
                                ca.caFile().toString(),
                                "--resolve",
                                NAME + ":443:" + net.serverAddress(),
                                "-o",
                                body.toString(),
                                "https://" + NAME + "/big.bin")
                        .redirectErrorStream(true)
                        .start();
                final String host = net.serverAddress();
                assertPeer(net, script, "badmac", host, ca);
                assertPeer(net, script, "overflow", host, ca);
                assertPeer(net, script, "truncated", host, ca);
                assertPeer(net, script, "oldversion", host, ca);
                final Process chacha = new ProcessBuilder(
                                "ip",
                                "netns",
                                "exec",
                                net.clientNamespace(),
                                "curl",
                                "-sS",
                                "--max-time",
                                "20",
                                "--tlsv1.2",
                                "--tls-max",
                                "1.2",
                                "--ciphers",
                                "ECDHE-ECDSA-CHACHA20-POLY1305",
                                "--cacert",
                                ca.caFile().toString(),
                                "--resolve",
                                NAME + ":443:" + host,
                                "-o",
                                "/dev/null",
                                "https://" + NAME + "/tiny.bin")
                        .redirectErrorStream(true)
                        .start();
                final String chachaSays = new String(chacha.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(chacha.waitFor(30, TimeUnit.SECONDS));
                assertEquals(35, chacha.exitValue(), "a suite we do not speak must fail the handshake: " + chachaSays);
                final long start = System.nanoTime();
                try {
                    assertPeer(net, script, "many", host, ca, Integer.toString(CROWD));
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "\nserver counters: " + server.freshStats(), e);
                }
                final double crowdSeconds = (System.nanoTime() - start) / 1e9;
                assertTrue(download.waitFor(150, TimeUnit.SECONDS), "the download did not finish");
                final String downloadSays =
                        new String(download.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, download.exitValue(), downloadSays);
                assertEquals(-1L, Files.mismatch(body, content.resolve("big.bin")), "the download beside them differs");
                final Map<String, Long> after = server.freshStats();
                final long completed = after.get("tls.handshakesCompleted") - before.get("tls.handshakesCompleted");
                final long failed = after.get("tls.handshakesFailed") - before.get("tls.handshakesFailed");
                System.out.printf(
                        "tls-robustness: %d handshakes completed, %d failed; %d concurrent in %.1f s; "
                                + "deferred to a later pass %d; longest handshake %.1f ms; alerts sent %s; receive ring drops %d, "
                                + "SYN cookies %d%n",
                        completed,
                        failed,
                        CROWD,
                        crowdSeconds,
                        after.get("tls.handshakesDeferred"),
                        after.get("tls.handshakeNanosMax") / 1e6,
                        alerts(after, "tls.alertsSent."),
                        after.getOrDefault("ring.kernelRxDrops", 0L),
                        after.getOrDefault("tcp.synCookiesSent", 0L));
                assertTrue(completed >= CROWD + 3, "handshakes completed: " + completed);
                assertEquals(3, failed, "the truncated ClientHello, the unsupported version and the unsupported suite");
                assertEquals(1L, after.getOrDefault("tls.badRecords", 0L) - before.getOrDefault("tls.badRecords", 0L));
                assertTrue(after.getOrDefault("tls.alertsSent.bad_record_mac", 0L) >= 1);
                assertTrue(after.getOrDefault("tls.alertsSent.record_overflow", 0L) >= 1);
                assertTrue(after.getOrDefault("tls.alertsSent.handshake_failure", 0L) >= 1);
                assertTrue(after.getOrDefault("tls.alertsSent.protocol_version", 0L) >= 1);
            }
        } finally {
            try (Stream<Path> walk = Files.walk(work)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String alerts(Map<String, Long> stats, String prefix) {
        final List<String> found = new ArrayList<>();
        stats.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                found.add(k.substring(prefix.length()) + "=" + v);
            }
        });
        return found.toString();
    }

    private static void assertPeer(Topology net, Path script, String mode, String host, TestCa ca, String... more)
            throws IOException, InterruptedException {
        final List<String> command = new ArrayList<>(List.of(
                "ip",
                "netns",
                "exec",
                net.clientNamespace(),
                "python3",
                script.toString(),
                mode,
                host,
                ca.caFile().toString()));
        command.addAll(List.of(more));
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String says = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(240, TimeUnit.SECONDS), mode + " did not finish");
        System.out.println("tls-robustness: " + mode + ": " + (says.length() > 300 ? says.substring(0, 300) : says));
        assertEquals(0, p.exitValue(), mode + ": " + says);
    }
}
