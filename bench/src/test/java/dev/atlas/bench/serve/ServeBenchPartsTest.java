package dev.atlas.bench.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.bench.netns.Topology;
import dev.atlas.server.tls.TlsCertificates;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The parts of the serve bench that need no root: wrk and ss output, Jain's index, the nginx configuration, the plan,
 * the run's certificate.
 */
class ServeBenchPartsTest {
    private static final String WRK_OUTPUT = """
        Running 4s test @ http://198.18.0.2:80/
          2 threads and 100 connections
          Thread Stats   Avg      Stdev     Max   +/- Stdev
        serve-bench summary requests=5321 bytes=1636900000 duration_us=4003311 connect=0 read=2 write=0 status=1 timeout=3
        serve-bench latency min_us=812 mean_us=70123.5 max_us=2100444
        serve-bench percentile 50.00 61000
        serve-bench percentile 99.00 412000
        serve-bench percentile 99.99 1900000
        serve-bench thread 1 requests=2700
        serve-bench thread 2 requests=2721
        0m0.004000s 0m0.001000s
        0m1.250000s 2m0.500000s
        """;

    @Test
    void wrkReportReadsTheScriptLinesAndTheShellsTimes() {
        final WrkReport r = WrkReport.parse(WRK_OUTPUT);
        assertEquals(5321, r.requests());
        assertEquals(4003311, r.durationMicros());
        assertEquals(6, r.errors());
        assertEquals(3, r.timeouts());
        assertEquals(61.0, r.latencyMillis(50), 1e-9);
        assertEquals(412.0, r.latencyMillis(99), 1e-9);
        assertEquals(2100.444, r.latencyMillis(100), 1e-9, "the maximum stands for the 100th percentile");
        assertEquals(List.of(2700L, 2721L), r.threadRequests());
        assertEquals(1.25 + 120.5, r.clientCpuSeconds(), 1e-9, "the second `times` line is the children's");
    }

    @Test
    void bodyThroughputCountsWholeChunksOfSuccessfulResponses() {
        final WrkReport wrk = WrkReport.parse(WRK_OUTPUT);
        final RunResult r = new RunResult(
                Rtt.NONE,
                ContentCase.COLD,
                ServerKind.NGINX,
                100,
                1,
                wrk,
                ContentSet.CHUNK_BYTES,
                2.0,
                1.5,
                0,
                0.9,
                2.5,
                100,
                64L << 20,
                Map.of());
        assertEquals(5320L * ContentSet.CHUNK_BYTES, r.bodyBytes());
        assertEquals(5320.0 * ContentSet.CHUNK_BYTES * 8 / 1e9 / 4.003311, r.gbitPerSecond(), 1e-9);
        assertEquals(5320.0 * ContentSet.CHUNK_BYTES * 8 / 1e9 / 2.0, r.gbitPerServerCore(), 1e-9);
        assertEquals(
                RunResult.csvHeader().split(",").length, r.csvRow().split(",", -1).length, "one CSV field per column");
        final List<String> header = List.of(RunResult.csvHeader().split(","));
        assertEquals("64", r.csvRow().split(",", -1)[header.indexOf("nginx_cgroup_mib")]);
        assertEquals("2.5000", r.csvRow().split(",", -1)[header.indexOf("window_gbit_per_s")]);
    }

    @Test
    void wrkWithoutASummaryIsAnErrorThatQuotesIt() {
        final IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalStateException.class,
                () -> WrkReport.parse("unable to connect to 198.18.0.2:80 Connection refused"));
        assertTrue(e.getMessage().contains("Connection refused"), e.getMessage());
    }

    @Test
    void ssOutputGivesBytesPerSocketAndTheirGrowth() {
        final String before = """
            0      0          198.18.0.1:40000       198.18.0.2:80
            \t cubic wscale:7,7 rto:204 rtt:0.5/0.25 mss:1448 bytes_sent:100 bytes_acked:101 bytes_received:1000 segs_out:3
            0      0          198.18.0.1:40002       198.18.0.2:80
            \t cubic wscale:7,7 rto:204 bytes_received:5000 segs_out:3
            0      0          198.18.0.1:40004       198.18.0.2:80
            \t cubic wscale:7,7 rto:204 segs_out:1
            """;
        final String after = before.replace("bytes_received:1000", "bytes_received:301000")
                .replace("bytes_received:5000", "bytes_received:305000")
                .replace("rto:204 segs_out:1", "rto:204 bytes_received:300000");
        final Map<String, Long> a = ConnectionShares.parse(before);
        assertEquals(Map.of("198.18.0.1:40000", 1000L, "198.18.0.1:40002", 5000L, "198.18.0.1:40004", 0L), a);
        final List<Long> shares = ConnectionShares.between(a, ConnectionShares.parse(after));
        assertEquals(3, shares.size());
        assertEquals(1.0, ConnectionShares.jainIndex(shares), 1e-12);
    }

    @Test
    void jainIndexIsOneOverNWhenOneConnectionGetsEverything() {
        assertEquals(0.25, ConnectionShares.jainIndex(List.of(0L, 0L, 0L, 7L)), 1e-12);
        assertEquals(1.0, ConnectionShares.jainIndex(List.of(3L, 3L)), 1e-12);
        assertEquals((3.0 * 3.0) / (2 * (1 + 4)), ConnectionShares.jainIndex(List.of(1L, 2L)), 1e-12);
        assertTrue(Double.isNaN(ConnectionShares.jainIndex(List.of())));
    }

    @Test
    void nginxConfigurationHasEveryPlaceholderFilledIn() throws Exception {
        final String conf = NginxServer.config(2, Path.of("/w"), "198.18.0.3", Path.of("/content/tree"), "");
        assertFalse(conf.matches("(?s).*@[A-Z]+@.*"), conf);
        assertTrue(conf.contains("worker_processes 2;"));
        assertTrue(conf.contains("listen 198.18.0.3:80"));
        assertTrue(conf.contains("root /content/tree;"));
        assertTrue(conf.contains("aio threads;")
                && conf.contains("sendfile on;")
                && conf.contains("open_file_cache max="));
    }

    @Test
    void nginxMemoryHoldsTheChunksInFlightButNotTheSet() {
        final RunPlan quick = RunPlan.quick();
        assertEquals(quick.cgroupBytes(), quick.cgroupBytesFor(10), "few connections: the configured limit");
        final long at1000 = quick.cgroupBytesFor(1000);
        assertTrue(
                at1000 > 1000L * ContentSet.CHUNK_BYTES, "1,000 chunks in flight must fit: " + (at1000 >> 20) + " MiB");
        assertTrue(at1000 < (long) quick.coldChunks() * ContentSet.CHUNK_BYTES / 2, "but not the cold set");
        final RunPlan full = RunPlan.full();
        assertTrue(full.cgroupBytesFor(4000) < (long) full.coldChunks() * ContentSet.CHUNK_BYTES / 3);
    }

    @Test
    void quickPlanFitsInTenMinutesAndAlternatesServers() {
        final RunPlan quick = RunPlan.quick();
        assertTrue(quick.estimatedSeconds() < 9 * 60, "quick plan estimated at " + quick.estimatedSeconds() + " s");
        final RunPlan.Block coldNoDelay = new RunPlan.Block(Rtt.NONE, ContentCase.COLD);
        assertEquals(quick.servers(), quick.serverOrder(coldNoDelay, 1));
        assertEquals(quick.servers().reversed(), quick.serverOrder(coldNoDelay, 2));
        assertTrue(quick.servers().containsAll(List.of(ServerKind.ATLAS_HTTPS, ServerKind.NGINX_HTTPS)));
        for (RunPlan.Block other : quick.blocks().subList(1, quick.blocks().size())) {
            assertEquals(
                    List.of(ServerKind.ATLAS_1_LANE, ServerKind.ATLAS_2_LANES, ServerKind.NGINX),
                    quick.serverOrder(other, 1),
                    "HTTPS only on cold content without delay in the quick run, not in " + other);
        }
        assertEquals(List.of(100), quick.connectionsFor(2));
        assertTrue(
                quick.coldChunks() * (long) ContentSet.CHUNK_BYTES > 10 * quick.cgroupBytesFor(100),
                "the cold set must be much larger than nginx's memory");
        final RunPlan full = RunPlan.full();
        assertEquals(List.of(10, 100, 1000, 4000), full.connections());
        for (RunPlan.Block b : full.blocks()) {
            assertEquals(List.of(ServerKind.values()), full.serversIn(b), "the full run measures every server in " + b);
        }
        assertTrue(full.coldChunks() * (long) ContentSet.CHUNK_BYTES > 20 * full.cgroupBytes());
    }

    /** The partial full run the report recommends: four servers, three blocks, every connection count, 12 s runs. */
    static final List<String> PARTIAL_FULL_RUN = List.of(
            "--servers",
            "atlas-1lane,atlas-https,nginx,nginx-https",
            "--blocks",
            "none:cold,none:hot,bands:cold",
            "--connections",
            "10,100,1000,4000",
            "--repetitions",
            "3",
            "--seconds",
            "12");

    @Test
    void aPartialFullRunChoosesServersBlocksAndCountsAndFitsInTwentyFiveMinutes() {
        final ServeBench bench = new ServeBench();
        new CommandLine(bench).parseArgs(PARTIAL_FULL_RUN.toArray(String[]::new));
        final RunPlan plan = bench.plan();
        assertEquals("custom", plan.mode());
        assertEquals(
                List.of(ServerKind.ATLAS_1_LANE, ServerKind.ATLAS_HTTPS, ServerKind.NGINX, ServerKind.NGINX_HTTPS),
                plan.servers());
        assertEquals(3, plan.blocks().size());
        assertEquals(plan.blocks(), plan.httpsBlocks(), "HTTPS in every chosen block unless --https-blocks says less");
        assertEquals(RunPlan.full().coldChunks(), plan.coldChunks(), "the full run's 6 GB cold set");
        // 4 servers × 3 blocks × (4 counts + 2 more runs at 100).
        assertEquals(72, plan.runCount());
        // Writing and importing the 6 GB set comes on top, a few minutes.
        assertTrue(plan.estimatedSeconds() <= 21 * 60, "estimated at " + plan.estimatedSeconds() + " s");
    }

    @Test
    void theLadderCaseIsABlockOfItsOwnInTheFullRunAndOnRequest() {
        final ServeBench bench = new ServeBench();
        new CommandLine(bench).parseArgs("--servers", "atlas-1lane,nginx", "--blocks", "none:ladder");
        final RunPlan plan = bench.plan();
        assertEquals(List.of(new RunPlan.Block(Rtt.NONE, ContentCase.LADDER)), plan.blocks());
        // Three renditions of two minutes in 2 s segments.
        assertEquals(180, plan.chunks(ContentCase.LADDER));
        assertTrue(RunPlan.full().blocks().contains(new RunPlan.Block(Rtt.BANDS, ContentCase.LADDER)));
        final IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ContentCase.byId("ladders"));
        assertTrue(e.getMessage().contains("cold, hot or ladder"), e.getMessage());
    }

    @Test
    void httpsBlocksNarrowWhereTheHttpsServersRun() {
        final ServeBench bench = new ServeBench();
        new CommandLine(bench)
                .parseArgs(
                        "--servers", "atlas-1lane,atlas-https,nginx-https",
                        "--blocks", "none:cold,bands:hot",
                        "--https-blocks", "none-cold");
        final RunPlan plan = bench.plan();
        assertEquals(
                List.of(ServerKind.NGINX_HTTPS, ServerKind.ATLAS_HTTPS, ServerKind.ATLAS_1_LANE),
                plan.serverOrder(new RunPlan.Block(Rtt.NONE, ContentCase.COLD), 2));
        assertEquals(List.of(ServerKind.ATLAS_1_LANE), plan.serversIn(new RunPlan.Block(Rtt.BANDS, ContentCase.HOT)));
        // (3 servers in none:cold + 1 in bands:hot) × (4 counts + 2 more runs at 100).
        assertEquals((3 + 1) * 6, plan.runCount());

        final ServeBench wrong = new ServeBench();
        new CommandLine(wrong).parseArgs("--blocks", "none:cold", "--https-blocks", "bands:cold");
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, wrong::plan);
        assertTrue(e.getMessage().contains("bands:cold"), e.getMessage());
    }

    @Test
    void nginxHttpsPresentsTheRunCertificateWithAes128Gcm(@TempDir Path dir) throws Exception {
        final RunCertificate cert =
                new RunCertificate(dir.resolve("ca.crt"), dir.resolve("s.crt"), dir.resolve("s.key"));
        final String conf = NginxServer.config(
                2, Path.of("/w"), "198.18.0.3", Path.of("/content/tree"), NginxServer.tlsLines("198.18.0.3", cert));
        assertFalse(conf.matches("(?s).*@[A-Z]+@.*"), conf);
        assertTrue(conf.contains("listen 198.18.0.3:443 ssl"), conf);
        assertTrue(conf.contains("ssl_certificate " + cert.chain() + ";"), conf);
        assertTrue(conf.contains("ssl_certificate_key " + cert.key() + ";"), conf);
        assertTrue(conf.contains("Ciphersuites TLS_AES_128_GCM_SHA256;"), conf);
        final List<String> atlas = AtlasServer.httpsArguments(cert, "openssl");
        assertEquals(
                List.of(
                        "--tls-cert",
                        cert.chain().toString(),
                        "--tls-key",
                        cert.key().toString(),
                        "--tls-port",
                        "443",
                        "--sealer",
                        "openssl"),
                atlas);
    }

    @Test
    void runCertificateIsP256SignedByTheRunsCaForBothServerAddresses(@TempDir Path dir) throws Exception {
        final RunCertificate files =
                RunCertificate.make(dir, List.of(Topology.SERVER_ADDRESS, Topology.SERVER_KERNEL_ADDRESS));
        final CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        final X509Certificate ca;
        try (InputStream in = Files.newInputStream(files.caCertificate())) {
            ca = (X509Certificate) x509.generateCertificate(in);
        }
        final List<X509Certificate> chain = new ArrayList<>();
        try (InputStream in = Files.newInputStream(files.chain())) {
            x509.generateCertificates(in).forEach(c -> chain.add((X509Certificate) c));
        }
        assertEquals(2, chain.size(), "the server's certificate, then the CA's");
        assertEquals(ca, chain.get(1));
        final X509Certificate server = chain.getFirst();
        server.verify(ca.getPublicKey());
        server.checkValidity();
        assertEquals(
                256,
                ((ECPublicKey) server.getPublicKey())
                        .getParams()
                        .getCurve()
                        .getField()
                        .getFieldSize());
        final List<String> ips = server.getSubjectAlternativeNames().stream()
                .filter(n -> (Integer) n.get(0) == 7)
                .map(n -> (String) n.get(1))
                .toList();
        assertEquals(
                List.of(Topology.SERVER_ADDRESS, Topology.SERVER_KERNEL_ADDRESS),
                ips.stream().map(ServeBenchPartsTest::canonical).toList());
        // What `./atlas serve --tls-cert --tls-key` does with the files: load them, match key and certificate, check
        // dates.
        new TlsCertificates(List.of(new TlsCertificates.Files(files.chain(), files.key())), false, Clock.systemUTC());
    }

    private static String canonical(String ip) {
        try {
            return InetAddress.getByName(ip).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
