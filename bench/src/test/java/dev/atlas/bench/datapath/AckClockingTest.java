package dev.atlas.bench.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.bench.interop.Prerequisites;
import dev.atlas.bench.netns.MiddleboxProcess;
import dev.atlas.bench.netns.Topology;
import dev.atlas.bench.tcp.AtlasServerProcess;
import dev.atlas.bench.tcp.KernelTcpCounters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ACK clocking through the delay middlebox at 20 ms RTT: four clients download 24 MiB files at
 * once from the catalogue server. The server checks each read it issues against its
 * connection's window (no read reaches more than one record past it) and records what let the
 * read go; the test also samples the server's counters while the downloads run, to show that
 * bytes read but not yet sent stay a window's worth per connection, far below the files' size,
 * so the drive is read as the ACKs come back, not ahead of them.
 */
@Tag("root")
@Timeout(240)
class AckClockingTest {
    private static final long MIB = 1L << 20;
    private static final int RTT_MILLIS = 20;
    private static final int CLIENTS = 4;
    private static final long FILE_BYTES = 24 * MIB;
    private static final int RECORD_BYTES = 16 * 1024;
    private static final long SAMPLE_MILLIS = 50;

    @Test
    void drivesAreReadAsAcksOpenTheWindow() throws Exception {
        Prerequisites.require("ip", "nft", "ethtool", "curl");
        final Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "ack-clocking");
        final Map<String, Long> files = new LinkedHashMap<>();
        for (int i = 0; i < CLIENTS; i++) {
            files.put("v/file-" + i + ".bin", FILE_BYTES);
        }
        final ServedContent content = ServedContent.build(work, "160M", files, 20);
        try (Topology net = Topology.up(Topology.uniqueName("ackclk"), Topology.Mode.MIDDLEBOX)
                        .removeOnExit();
                MiddleboxProcess middlebox = net.startMiddlebox(List.of(RTT_MILLIS), 0.0, 1);
                AtlasServerProcess server = AtlasServerProcess.startCatalogue(
                                net.serverNamespace(),
                                net.serverInterface(),
                                net.serverCidr(),
                                List.of(content.image),
                                List.of(),
                                work.resolve("server"))
                        .awaitReady(Duration.ofSeconds(60))) {
            final KernelTcpCounters clientBefore = KernelTcpCounters.read(net.clientNamespace());
            final Map<String, Long> before = server.freshStats();
            final List<Curl.Running> downloads = new ArrayList<>();
            final long started = System.nanoTime();
            for (String name : files.keySet()) {
                downloads.add(Curl.start(
                        net.clientNamespace(),
                        "http://" + net.serverAddress() + "/" + name,
                        work.resolve(name.replace('/', '_')),
                        120));
            }
            // Sample while they run: bytes read from the drives minus bytes handed to the rings.
            long maxReadAhead = 0;
            int samples = 0;
            while (downloads.stream().anyMatch(d -> d.isAlive())) {
                final Map<String, Long> now = server.stats();
                final long read = now.getOrDefault("disk.readBytes", 0L) - before.getOrDefault("disk.readBytes", 0L);
                final long sent =
                        now.getOrDefault("tcp.payloadBytesOut", 0L) - before.getOrDefault("tcp.payloadBytesOut", 0L);
                maxReadAhead = Math.max(maxReadAhead, read - sent);
                samples++;
                Thread.sleep(SAMPLE_MILLIS);
            }
            final double seconds = (System.nanoTime() - started) / 1e9;
            for (int i = 0; i < CLIENTS; i++) {
                final String name = "v/file-" + i + ".bin";
                final Curl.Result r = downloads.get(i).finish();
                assertTrue(r.ok() && r.bytes() == FILE_BYTES, name + ": " + r + "\n" + server.logTail());
                assertTrue(
                        content.matches(name, work.resolve(name.replace('/', '_'))), name + " differs from its source");
            }
            final Map<String, Long> after = server.freshStats();
            final KernelTcpCounters clientAfter = KernelTcpCounters.read(net.clientNamespace());
            final long newDataReads = delta(after, before, "disk.newDataReads");
            final long onAck = delta(after, before, "disk.readsOnArrival");
            final long onCompletion = delta(after, before, "disk.readsOnCompletion");
            final long onWakeup = delta(after, before, "disk.readsOnWakeup");
            final long readBytes = delta(after, before, "disk.readBytes");
            final long total = CLIENTS * FILE_BYTES;
            final String figures = String.format(
                    java.util.Locale.ROOT,
                    "%d x %d MiB at %d ms RTT in %.2f s (%.0f Mb/s): %d new-data reads (on ACK %d, on read completion %d,"
                            + " on buffer wakeup %d), %.1f MiB read for %.1f MiB served, furthest read past a window %d B,"
                            + " max read ahead of sends %.2f MiB over %d samples",
                    CLIENTS,
                    FILE_BYTES / MIB,
                    RTT_MILLIS,
                    seconds,
                    total * 8 / seconds / 1e6,
                    newDataReads,
                    onAck,
                    onCompletion,
                    onWakeup,
                    readBytes / (double) MIB,
                    total / (double) MIB,
                    after.getOrDefault("disk.maxReadPastWindow", 0L),
                    maxReadAhead / (double) MIB,
                    samples);
            System.out.println("ack clocking: " + figures);
            assertEquals(0, clientAfter.since(clientBefore, "TcpInRsts"), "the clients saw a reset");
            assertEquals(
                    0,
                    delta(after, before, "disk.readsBeyondWindow"),
                    "a read went more than a record past its window: " + figures);
            assertTrue(after.getOrDefault("disk.maxReadPastWindow", 0L) <= RECORD_BYTES, figures);
            assertEquals(
                    newDataReads,
                    onAck + onCompletion,
                    "every new-data read went on an ACK or inside a window already open: " + figures);
            assertEquals(0, onWakeup, figures);
            assertTrue(onAck > newDataReads / 4, "ACKs drive the reads: " + figures);
            // Each byte is read once (no loss here), up to block rounding at chunk edges.
            assertTrue(readBytes >= total && readBytes < total + total / 8, figures);
            // Read but unsent stays a window per connection: the kernel client's receive window
            // tops out at a few MiB, the files are 24 MiB each.
            assertTrue(maxReadAhead < CLIENTS * 8 * MIB, figures);
            assertTrue(seconds * 1000 > 10 * RTT_MILLIS, "the transfer spanned many round trips: " + figures);
        }
    }

    private static long delta(Map<String, Long> after, Map<String, Long> before, String key) {
        return after.getOrDefault(key, 0L) - before.getOrDefault(key, 0L);
    }
}
