package dev.atlas.bench.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.bench.netns.MiddleboxProcess;
import dev.atlas.bench.netns.Topology;
import dev.atlas.bench.tcp.AtlasServerProcess;
import dev.atlas.bench.tcp.KernelTcpCounters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Loss recovery against the kernel's TCP through the delay middlebox at 20 ms RTT. The middlebox
 * delays and drops client→server frames (ACKs, requests); an nftables rule in the mbox bridge
 * drops the same fraction of server→client segments, so the server has data to recover. Each
 * download must arrive byte-exact with no reset at the client, and over both runs the server
 * must have recovered by SACK/fast retransmit and by RTO. Random loss alone may or may not hit a
 * retransmission or the tail, so the second run also loses the first segment that carries the
 * server's FIN: nothing follows it to draw duplicate ACKs, so only the retransmission timeout
 * can repair it (the engine has no tail-loss probe).
 */
@Tag("root")
class MiddleboxInteropTest {
    private static final long MIB = 1L << 20;
    private static final int RTT_MILLIS = 20;
    /** nft numgen draws from [0, LOSS_SCALE). */
    private static final int LOSS_SCALE = 10_000;

    private record Case(double loss, long bytes, long seed, boolean loseFirstFin) {}

    @Test
    void lossyTwentyMillisecondPathsRecoverWithoutResets() throws Exception {
        Prerequisites.require("ip", "nft", "ethtool", "curl");
        final Path work = Files.createTempDirectory("atlas-interop-mbox");
        long fastRetransmits = 0;
        long rtoRetransmits = 0;
        for (Case c : List.of(new Case(0.01, 64 * MIB, 11, false), new Case(0.05, 8 * MIB, 12, true))) {
            final long[] recovered = download(c, work);
            fastRetransmits += recovered[0];
            rtoRetransmits += recovered[1];
        }
        assertTrue(fastRetransmits > 0, "no SACK/fast retransmit recovery was seen");
        assertTrue(rtoRetransmits > 0, "no RTO recovery was seen");
    }

    /** One download through a fresh topology; returns {fast retransmits, RTO retransmits}. */
    private static long[] download(Case c, Path work) throws Exception {
        final int dropBelow = (int) Math.round(c.loss() * LOSS_SCALE);
        try (Topology net = Topology.up(Topology.uniqueName("interop-mb"), Topology.Mode.MIDDLEBOX)
                        .removeOnExit();
                MiddleboxProcess middlebox = net.startMiddlebox(List.of(RTT_MILLIS), c.loss(), c.seed());
                NftTable serverToClientLoss = NftTable.create(
                        net.mboxNamespace(),
                        "bridge",
                        "chain lossfwd { type filter hook forward priority 10; iifname \"" + Topology.MBOX_SERVER_PORT
                                + "\" numgen random mod " + LOSS_SCALE + " < " + dropBelow + " drop; }",
                        // Every other FIN-carrying segment from the server, the first one included (the counter starts
                        // at 0).
                        "chain tailfwd { type filter hook forward priority 11; iifname \"" + Topology.MBOX_SERVER_PORT
                                + "\" tcp flags & fin == fin numgen inc mod 2 0 "
                                + (c.loseFirstFin() ? "drop" : "accept") + "; }");
                AtlasServerProcess server = AtlasServerProcess.start(
                                net.serverNamespace(),
                                net.serverInterface(),
                                net.serverCidr(),
                                List.of(),
                                work.resolve("loss-" + c.loss()))
                        .awaitReady(Duration.ofSeconds(30))) {
            final KernelTcpCounters clientBefore = KernelTcpCounters.read(net.clientNamespace());
            final Map<String, Long> before = server.freshStats();
            final ClientTools.Download d = ClientTools.curl(
                    net.clientNamespace(),
                    "http://" + net.serverAddress() + "/pattern/" + c.bytes(),
                    Duration.ofSeconds(300));
            final Map<String, Long> after = server.freshStats();
            final KernelTcpCounters clientAfter = KernelTcpCounters.read(net.clientNamespace());
            final long fast =
                    after.getOrDefault("tcp.fastRetransmits", 0L) - before.getOrDefault("tcp.fastRetransmits", 0L);
            final long rto =
                    after.getOrDefault("tcp.rtoRetransmits", 0L) - before.getOrDefault("tcp.rtoRetransmits", 0L);
            System.out.printf(
                    "interop: %d MiB at %.0f%% loss each way, %d ms RTT: %s, %.1f Mb/s; retransmits fast/SACK %d, RTO %d%n",
                    c.bytes() / MIB, c.loss() * 100, RTT_MILLIS, d, d.gbitPerSecond() * 1000, fast, rto);
            assertTrue(d.ok(c.bytes()), () -> d + "\n" + server.logTail());
            assertEquals(0, clientAfter.since(clientBefore, "TcpInRsts"), "the client saw a reset");
            assertEquals(0, clientAfter.sinceAll(clientBefore, "TcpExtTCPAbortOn"), "the client aborted a connection");
            return new long[] {fast, rto};
        }
    }
}
