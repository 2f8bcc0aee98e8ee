package dev.atlas.server.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.diskmap.NvmeDevice;
import dev.atlas.diskmap.emulated.EmulatedFaults;
import dev.atlas.server.storage.ChunkLayout;
import dev.atlas.server.storage.ExtentSource;
import dev.atlas.server.storage.LaneDrives;
import dev.atlas.server.storage.StorageCounters;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Transfers whose bytes come from a drive through the lane's {@link ExtentSource}, over the
 * lossy memory wire: every byte arrives and checks, lost bytes are re-read from the drive, no
 * read reaches more than a record past the connection's window (ACK clocking), every chunk
 * buffer comes back, and the steady state allocates nothing. The image holds the test pattern
 * (byte at drive address a is a mod 251), so the receiver checks it as it checks any pattern.
 */
@Timeout(120)
class DriveBackedTransferTest {
    private static final int PORT = 40_000;
    /** Where the served extent starts on the drive: inside a record, so the first chunk is short. */
    private static final long EXTENT_ADDRESS = 3 * ChunkLayout.BLOCK_BYTES;

    private static final long IMAGE_BYTES = 40L << 20;

    @TempDir
    Path dir;

    private Path patternImage() throws IOException {
        final Path image = dir.resolve("pattern.img");
        final byte[] bytes = new byte[(int) IMAGE_BYTES];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i % PatternSource.MODULUS);
        }
        Files.write(image, bytes);
        return image;
    }

    private static StackLoop loop(ExtentApplication app, LaneDrives drives, double loss, long seed) {
        return loop(app, drives, loss, seed, 16);
    }

    private static StackLoop loop(
            ExtentApplication app, LaneDrives drives, double loss, long seed, int chunksPerConnection) {
        // Room for every connection of a test: receivers never close, so each stays in FIN_WAIT_2.
        final TcpConfig config = TcpConfig.defaults().maxConnections(32);
        final StackLoop loop = new StackLoop(TcpBulkTransferTest.wire(seed, loss), config, app, 1_000_000_000L);
        app.source = new ExtentSource(drives, config.maxConnections(), chunksPerConnection);
        loop.planning = app.source::planning;
        loop.submit = app.source::submit;
        loop.complete = () -> app.source.complete(loop.now);
        loop.waitingForIo = () -> drives.readsInFlight() > 0;
        return loop;
    }

    @ParameterizedTest(name = "{0} transport, {1} MiB at {2} loss")
    @CsvSource({"emulated, 8, 0.02", "file, 8, 0.02", "emulated, 16, 0", "file, 16, 0"})
    void everyByteComesFromTheDriveAndLostOnesAreReadAgain(String transport, int mebibytes, double loss)
            throws IOException {
        final long bytes = (long) mebibytes << 20;
        // The emulated controller completes out of order and late: chunks become ready in any order.
        final NvmeDevice.Options options = NvmeDevice.Options.defaults()
                .withQueueDepth(32)
                .withFaults(EmulatedFaults.seeded(11).outOfOrder(true).delayPolls(0, 3));
        final ExtentApplication app = new ExtentApplication(bytes, port -> EXTENT_ADDRESS);
        try (LaneDrives drives = LaneDrives.open(List.of(patternImage()), transport, options, 64);
                StackLoop loop = loop(app, drives, loss, 5)) {
            final BulkReceiver receiver = new BulkReceiver(loop.wire.b(), PORT, EXTENT_ADDRESS);
            TcpBulkTransferTest.transfer(loop, receiver, bytes, true);
            TcpBulkTransferTest.settle(loop, receiver, 3_000_000_000L);
            final StorageCounters disk = app.source.counters();
            final TcpCounters tcp = loop.stack.counters();
            final String figures =
                    "reads " + disk.reads + " (new " + disk.newDataReads + ": on ACK " + disk.readsOnArrival
                            + ", on completion " + disk.readsOnCompletion + ", on wakeup " + disk.readsOnWakeup
                            + "; retransmission "
                            + disk.retransmitReads + "), read bytes " + disk.readBytes + ", max past window "
                            + disk.maxReadPastWindow
                            + ", retransmitted frames " + tcp.retransmitFrames + ", data waits " + tcp.dataWaits;
            System.out.println(transport + " " + mebibytes + " MiB at " + loss + " loss: " + figures);
            assertEquals(bytes, receiver.received(), figures);
            assertEquals(0, receiver.corruptBytes, "every byte is the drive's");
            assertEquals(0, receiver.resets);
            assertTrue(receiver.finReceived);
            assertEquals(0, disk.readsBeyondWindow, "no read went more than a record past the window: " + figures);
            // ACK clocking: new bytes are read in the pass an ACK arrived (or a read completed
            // inside a window already open), never because of anything else.
            assertTrue(disk.readsOnArrival > 0, figures);
            assertEquals(disk.newDataReads, disk.readsOnArrival + disk.readsOnCompletion, figures);
            assertEquals(0, disk.readsOnWakeup, figures);
            assertTrue(disk.maxReadPastWindow <= ChunkLayout.RECORD_BYTES, figures);
            assertEquals(0, disk.readErrors);
            assertEquals(0, drives.buffers().buffersInUse(), "every chunk buffer is back in the pool");
            // At most MAX_RECORDS_PER_READ records per drive command, and without loss (a window of
            // many records open) most reads are that large: one command per record would leave the
            // drive's throughput at larger reads unused.
            assertTrue(
                    disk.newDataReads >= bytes / ((long) ChunkLayout.MAX_RECORDS_PER_READ * ChunkLayout.RECORD_BYTES),
                    figures);
            assertTrue(disk.txCopyBytes >= bytes, "every byte sent was copied from a chunk: " + figures);
            if (loss > 0) {
                assertTrue(
                        tcp.retransmitFrames > 0 && disk.retransmitReads > 0,
                        "losses were repaired by re-reading: " + figures);
            } else {
                assertEquals(0, disk.retransmitReads, figures);
                // Without loss each byte is read once, up to block rounding at the chunk edges.
                assertTrue(disk.readBytes <= bytes + disk.reads * 2L * ChunkLayout.BLOCK_BYTES, figures);
                assertTrue(
                        disk.readBytes > disk.reads * 2L * ChunkLayout.RECORD_BYTES,
                        "reads of several records: " + figures);
            }
        }
    }

    /**
     * With room for only two chunks per connection, read-ahead fills the limit all the time; a
     * retransmission must still get its chunk (the furthest staged one makes way), or recovery
     * would wait forever behind bytes that cannot go out before it.
     */
    @Test
    void aTightChunkLimitNeverHoldsUpRecovery() throws IOException {
        final long bytes = 4L << 20;
        final ExtentApplication app = new ExtentApplication(bytes, port -> EXTENT_ADDRESS);
        try (LaneDrives drives = LaneDrives.open(
                        List.of(patternImage()),
                        "emulated",
                        NvmeDevice.Options.defaults()
                                .withFaults(EmulatedFaults.seeded(17)
                                        .outOfOrder(true)
                                        .delayPolls(0, 4)),
                        64);
                StackLoop loop = loop(app, drives, 0.01, 21, 2)) {
            final BulkReceiver receiver = new BulkReceiver(loop.wire.b(), PORT, EXTENT_ADDRESS);
            TcpBulkTransferTest.transfer(loop, receiver, bytes, true);
            final StorageCounters disk = app.source.counters();
            final String figures = "evicted " + disk.chunksEvicted + ", limit waits " + disk.connectionLimitWaits
                    + ", retransmission reads " + disk.retransmitReads + ", RTOs " + loop.stack.counters().rtoEvents;
            System.out.println("tight chunk limit at 1% loss: " + figures);
            assertEquals(bytes, receiver.received(), figures);
            assertEquals(0, receiver.corruptBytes);
            assertEquals(0, receiver.resets, figures);
            assertTrue(disk.retransmitReads > 0, figures);
        }
    }

    @Test
    void aMediaErrorResetsOnlyItsConnection() throws IOException {
        final long bytes = 4L << 20;
        // A bad block 1 MiB into the victim's extent; the bystander reads 4 MiB from 6 MiB on.
        final NvmeDevice.Options defaults = NvmeDevice.Options.defaults();
        final long badLba = (EXTENT_ADDRESS + (1L << 20)) / defaults.blockSize();
        final long bystanderExtent = EXTENT_ADDRESS + (6L << 20);
        final NvmeDevice.Options options =
                defaults.withFaults(EmulatedFaults.seeded(3).mediaError(badLba, 1));
        final ExtentApplication app =
                new ExtentApplication(bytes, port -> port == PORT + 1 ? bystanderExtent : EXTENT_ADDRESS);
        try (LaneDrives drives = LaneDrives.open(List.of(patternImage()), "emulated", options, 64);
                StackLoop loop = loop(app, drives, 0, 9)) {
            final BulkReceiver victim = new BulkReceiver(loop.wire.b(), PORT, EXTENT_ADDRESS);
            final BulkReceiver bystander = new BulkReceiver(loop.wire.b(), PORT + 1, bystanderExtent);
            victim.connect(loop.now);
            bystander.connect(loop.now);
            final long deadline = loop.now + 60_000_000_000L;
            while ((bystander.received() < bytes || !bystander.finReceived) && loop.now < deadline) {
                int work = loop.pass();
                work += BulkReceiver.pollAll(loop.now, victim, bystander);
                if (work == 0) {
                    loop.idleUntil(loop.now + 1_000_000L);
                }
            }
            assertTrue(victim.resets >= 1, "the connection whose bytes cannot be read is reset");
            assertTrue(victim.received() <= (1L << 20), "nothing past the bad block was sent: " + victim.received());
            assertEquals(0, victim.corruptBytes);
            assertEquals(bytes, bystander.received(), "the other connection is served in full");
            assertEquals(0, bystander.corruptBytes);
            assertEquals(0, bystander.resets);
            assertEquals(1, app.source.counters().readErrors);
            assertEquals(1, app.closed, "only the victim closed (the bystander waits for its own FIN)");
        }
    }

    /** Lane-thread allocation over whole drive-backed transfers (handshake, loss, FIN) after warm-up. */
    @Test
    void steadyStateAllocatesNothing() throws IOException {
        final long bytes = 8L << 20;
        final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final ExtentApplication app = new ExtentApplication(bytes, port -> EXTENT_ADDRESS);
        try (LaneDrives drives = LaneDrives.open(
                        List.of(patternImage()),
                        "file",
                        NvmeDevice.Options.defaults().withQueueDepth(32),
                        64);
                StackLoop loop = loop(app, drives, 0.01, 13)) {
            for (int warmUp = 0; warmUp < 5; warmUp++) {
                final BulkReceiver receiver = new BulkReceiver(loop.wire.b(), PORT + warmUp, EXTENT_ADDRESS);
                TcpBulkTransferTest.transfer(loop, receiver, bytes, true);
                assertEquals(bytes, receiver.received());
            }
            final StringBuilder runs = new StringBuilder();
            long best = Long.MAX_VALUE;
            for (int run = 0; run < 4 && best != 0; run++) {
                final BulkReceiver receiver = new BulkReceiver(loop.wire.b(), PORT + 100 + run, EXTENT_ADDRESS);
                final long before = threads.getCurrentThreadAllocatedBytes();
                TcpBulkTransferTest.transfer(loop, receiver, bytes, true);
                final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
                assertEquals(bytes, receiver.received());
                assertEquals(0, receiver.corruptBytes);
                runs.append(allocated).append(" B; ");
                best = Math.min(best, allocated);
            }
            assertEquals(0, best, "bytes allocated on the lane thread per drive-backed 8 MiB lossy transfer: " + runs);
        }
    }
}
