package dev.atlas.bench.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.bench.interop.NftTable;
import dev.atlas.bench.interop.Prerequisites;
import dev.atlas.bench.netns.MiddleboxProcess;
import dev.atlas.bench.netns.Topology;
import dev.atlas.bench.tcp.AtlasServerProcess;
import dev.atlas.catalogue.cli.CatalogueCli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * HTTPS downloads from the catalogue through the delay middlebox (20 ms RTT, 2% loss each way):
 * 32 MiB over TLS 1.3 and 32 MiB over TLS 1.2 complete byte for byte, with retransmissions regenerated from the drive
 * and re-encrypted — some of them lost segments inside a record, resent by AES-CTR at the
 * counter their offset gives while the record's tag went in another frame. Any nonce or counter
 * mistake would fail the client's tag check and the transfer. The sizes are the issue's; at 2%
 * loss each 32 MiB transfer took 13–33 s on the shared 2-vCPU machine (retransmission timeouts
 * dominate), about a minute for the test.
 */
@Tag("root")
class HttpsLossTest {
    private static final int RTT_MILLIS = 20;
    private static final double LOSS = 0.02;
    private static final int LOSS_SCALE = 10_000;
    private static final String NAME = "edge.test";

    @Test
    void lossyDownloadsOverTls13And12DecryptByteForByte() throws Exception {
        Prerequisites.require("ip", "nft", "ethtool", "curl");
        final Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "https-loss-");
        try {
            final Path content = Files.createDirectories(work.resolve("content"));
            final Map<String, Integer> files =
                    Map.of("vod/a.mp4", 32 * 1024 * 1024 + 1001, "vod/b.mp4", 32 * 1024 * 1024 + 77);
            final SplittableRandom random = new SplittableRandom(0x7157_1055L);
            for (Map.Entry<String, Integer> e : files.entrySet()) {
                final byte[] bytes = new byte[e.getValue()];
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] = (byte) random.nextInt(256);
                }
                Files.createDirectories(content.resolve(e.getKey()).getParent());
                Files.write(content.resolve(e.getKey()), bytes);
            }
            final Path image = work.resolve("catalogue.img");
            assertEquals(0, CatalogueCli.run("format", "-d", image.toString(), "--size", "160M"));
            assertEquals(0, CatalogueCli.run("import", "-d", image.toString(), content.toString()));
            final TestCa ca = new TestCa(work.resolve("pki"));
            final TestCa.Issued cert = ca.issue("edge", TestCa.ec(), NAME);
            final int dropBelow = (int) Math.round(LOSS * LOSS_SCALE);
            try (Topology net = Topology.up(Topology.uniqueName("tls-loss"), Topology.Mode.MIDDLEBOX)
                            .removeOnExit();
                    MiddleboxProcess middlebox = net.startMiddlebox(List.of(RTT_MILLIS), LOSS, 29);
                    NftTable serverToClientLoss = NftTable.create(
                            net.mboxNamespace(),
                            "bridge",
                            "chain lossfwd { type filter hook forward priority 10; iifname \""
                                    + Topology.MBOX_SERVER_PORT + "\" numgen random mod " + LOSS_SCALE + " < "
                                    + dropBelow + " drop; }");
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
                download(net, ca, work, content, "vod/a.mp4", "--tlsv1.3");
                final Map<String, Long> between = server.freshStats();
                download(net, ca, work, content, "vod/b.mp4", "--tlsv1.2", "--tls-max", "1.2");
                final Map<String, Long> after = server.freshStats();
                final long slices13 = between.get("tls.slicesEncrypted") - before.get("tls.slicesEncrypted");
                final long slices12 = after.get("tls.slicesEncrypted") - between.get("tls.slicesEncrypted");
                final long fast = after.get("tcp.fastRetransmits") - before.get("tcp.fastRetransmits");
                final long rto = after.get("tcp.rtoRetransmits") - before.get("tcp.rtoRetransmits");
                final long slices = after.get("tls.slicesEncrypted") - before.get("tls.slicesEncrypted");
                System.out.printf(
                        "https-loss: %.0f%% loss each way, %d ms RTT: retransmits fast/SACK %d, RTO %d, "
                                + "segments resent inside a record by AES-CTR %d (TLS 1.3 %d, TLS 1.2 %d), records sealed %d, "
                                + "retransmission reads %d%n",
                        LOSS * 100,
                        RTT_MILLIS,
                        fast,
                        rto,
                        slices,
                        slices13,
                        slices12,
                        after.get("tls.recordsSealed"),
                        after.get("disk.retransmitReads"));
                assertTrue(fast + rto > 0, "no retransmission was seen");
                // Each version's derived-counter path ran: a lost segment inside a record, resent alone by
                // AES-CTR from the counter its offset gives, and accepted by the client's tag check.
                assertTrue(slices13 > 0, "TLS 1.3: no retransmission started and ended inside a record");
                assertTrue(slices12 > 0, "TLS 1.2: no retransmission started and ended inside a record");
                assertEquals(0L, after.get("tls.badRecords"));
            }
        } finally {
            try (Stream<Path> walk = Files.walk(work)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void download(Topology net, TestCa ca, Path work, Path content, String name, String... tls)
            throws IOException, InterruptedException {
        final Path body = work.resolve(name.replace('/', '-'));
        final List<String> command = new ArrayList<>(List.of(
                "ip",
                "netns",
                "exec",
                net.clientNamespace(),
                "curl",
                "-sS",
                "--max-time",
                "240",
                "--cacert",
                ca.caFile().toString(),
                "--resolve",
                NAME + ":443:" + net.serverAddress(),
                "-o",
                body.toString(),
                "-w",
                "%{http_code} %{time_total}"));
        command.addAll(List.of(tls));
        command.add("https://" + NAME + "/" + name);
        final long start = System.nanoTime();
        final Process p = new ProcessBuilder(command).start();
        final CompletableFuture<String> err = CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        return e.toString();
                    }
                },
                Thread.ofVirtual()::start);
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(250, TimeUnit.SECONDS), name + ": curl did not finish");
        System.out.printf(
                "https-loss: %s %s: %s in %.1f s%n",
                name, String.join(" ", tls), out, (System.nanoTime() - start) / 1e9);
        assertEquals(0, p.exitValue(), name + ": " + err.join());
        assertEquals(-1L, Files.mismatch(body, content.resolve(name)), name + " differs from the imported file");
    }
}
