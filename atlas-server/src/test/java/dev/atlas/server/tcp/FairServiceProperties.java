package dev.atlas.server.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.diskmap.NvmeDevice;
import dev.atlas.diskmap.emulated.EmulatedFaults;
import dev.atlas.server.storage.ChunkBudget;
import dev.atlas.server.storage.ChunkLayout;
import dev.atlas.server.storage.ExtentSource;
import dev.atlas.server.storage.LaneDrives;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Progress is guaranteed whatever the ratio of connections to chunk buffers, per-connection
 * limits and drive queue slots (docs/storage.md): many connections download extents from the
 * emulated drive through one lane's {@link ExtentSource} over the lossy memory wire, with
 * random counts, windows, read sizes (one to four records per drive command), extent starts (so
 * segments straddle records anywhere), losses and drive latencies, and every transfer completes byte-exact with every buffer back in the pool.
 * A hold-and-wait between buffers (each connection holding a chunk while it waits for the next
 * one its segment spans) would leave transfers unfinished at the virtual deadline.
 */
class FairServiceProperties {
    private static final int FIRST_PORT = 41_000;
    private static final long IMAGE_BYTES = 24L << 20;
    /** Virtual time every transfer of a try must finish in: long enough for RTO back-off at 3% loss. */
    private static final long DEADLINE_NANOS = 300_000_000_000L;

    private static Path dir;
    private static Path image;

    @BeforeContainer
    static void patternImage() throws IOException {
        dir = Files.createTempDirectory("fair-service");
        image = dir.resolve("pattern.img");
        final byte[] bytes = new byte[(int) IMAGE_BYTES];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i % PatternSource.MODULUS);
        }
        Files.write(image, bytes);
    }

    @AfterContainer
    static void removeImage() throws IOException {
        Files.deleteIfExists(image);
        Files.deleteIfExists(dir);
    }

    @Provide
    Arbitrary<Double> losses() {
        return Arbitraries.of(0.0, 0.0, 0.005, 0.01, 0.03);
    }

    @Provide
    Arbitrary<Integer> windowFields() {
        // Scaled by 2^7: 2 KiB (smaller than a segment and a record) up to 8 MiB.
        return Arbitraries.of(16, 64, 128, 512, 0xFFFF);
    }

    @Property(tries = 20)
    void everyTransferCompletesWhateverTheBuffers(
            @ForAll @IntRange(min = 2, max = 32) int connections,
            @ForAll @IntRange(min = 1, max = 24) int buffers,
            @ForAll @IntRange(min = 1, max = 16) int chunksPerConnection,
            @ForAll @IntRange(min = 1, max = ChunkLayout.MAX_RECORDS_PER_READ) int recordsPerRead,
            @ForAll @IntRange(min = 2, max = 16) int queueDepth,
            @ForAll("windowFields") int windowField,
            @ForAll("losses") double loss,
            @ForAll @IntRange(min = 0, max = 6) int maxDelayPolls,
            @ForAll @IntRange(min = 16, max = 128) int kibibytes,
            @ForAll long seed)
            throws IOException {
        final long bytes = kibibytes * 1024L + (seed & 0x3FF);
        final long[] extents = new long[connections];
        final java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        for (int i = 0; i < connections; i++) {
            // Anywhere in the image, block-aligned or not, so records split segments at every offset.
            extents[i] = random.nextLong(IMAGE_BYTES - bytes);
        }
        final NvmeDevice.Options options = NvmeDevice.Options.defaults()
                .withQueueDepth(queueDepth)
                .withFaults(EmulatedFaults.seeded(seed).outOfOrder(true).delayPolls(0, maxDelayPolls));
        final ExtentApplication app = new ExtentApplication(bytes, port -> extents[port - FIRST_PORT]);
        final TcpConfig config = TcpConfig.defaults().maxConnections(connections + 8);
        // The drives close first: reads still in flight are aborted and their connections reset
        // while the wire is still there to carry the resets.
        try (StackLoop loop = new StackLoop(TcpBulkTransferTest.wire(seed, loss), config, app, 1_000_000_000L);
                LaneDrives drives = LaneDrives.open(List.of(image), "emulated", options, buffers)) {
            app.source = new ExtentSource(
                    drives, config.maxConnections(), new ChunkBudget(chunksPerConnection, recordsPerRead));
            loop.planning = app.source::planning;
            loop.submit = app.source::submit;
            loop.complete = () -> app.source.complete(loop.now);
            final BulkReceiver[] receivers = new BulkReceiver[connections];
            for (int i = 0; i < connections; i++) {
                receivers[i] = new BulkReceiver(loop.wire.b(), FIRST_PORT + i, extents[i]);
                receivers[i].windowField(windowField);
                receivers[i].connect(loop.now);
            }
            final BulkReceiver[] others = java.util.Arrays.copyOfRange(receivers, 1, receivers.length);
            final long deadline = loop.now + DEADLINE_NANOS;
            while (!allDone(receivers, bytes) && loop.now < deadline) {
                int work = loop.pass();
                work += BulkReceiver.pollAll(loop.now, receivers[0], others);
                if (work == 0) {
                    loop.idleUntil(Math.max(loop.now + 1, Math.min(loop.wire.nextDue(), loop.now + 1_000_000L)));
                }
            }
            final StringBuilder figures = new StringBuilder();
            int unfinished = 0;
            for (BulkReceiver r : receivers) {
                if (r.received() < bytes || !r.finReceived) {
                    unfinished++;
                    figures.append(' ').append(r.received());
                }
            }
            final String context = connections + " connections × " + bytes + " B, " + buffers + " buffers, "
                    + chunksPerConnection + " chunks/connection of up to " + recordsPerRead + " records, QD "
                    + queueDepth + ", window " + (windowField << 7)
                    + ", loss " + loss + ", waits: buffer " + app.source.counters().bufferWaits + " share "
                    + app.source.counters().shareWaits + ", short segments " + loop.stack.counters().shortSegments
                    + "; unfinished at:" + figures;
            assertEquals(0, unfinished, context);
            for (BulkReceiver r : receivers) {
                assertEquals(0, r.corruptBytes, context);
                assertEquals(0, r.resets, context);
            }
            assertTrue(drives.buffers().buffersInUse() <= buffers, context);
        }
    }

    /**
     * Found by this property: one buffer for 23 connections at 3% loss. A chunk read for a
     * retransmission that the original's ACK made moot completed after the ACK, so no later
     * acknowledgement released it, and the only buffer stayed with a finished connection.
     */
    @Example
    void aMootRetransmissionReadDoesNotKeepTheOnlyBuffer() throws IOException {
        everyTransferCompletesWhateverTheBuffers(23, 1, 11, 1, 3, 512, 0.03, 3, 82, Long.MAX_VALUE);
    }

    private static boolean allDone(BulkReceiver[] receivers, long bytes) {
        for (BulkReceiver r : receivers) {
            if (r.received() < bytes || !r.finReceived) {
                return false;
            }
        }
        return true;
    }
}
