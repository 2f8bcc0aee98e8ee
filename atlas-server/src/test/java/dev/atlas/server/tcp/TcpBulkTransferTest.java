package dev.atlas.server.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.server.memory.MemoryWire;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bulk transfers from the engine to an allocation-free test receiver over the memory wire with
 * seeded loss, reordering and duplication: every byte arrives and checks, recovery is visible
 * in the counters, super-frames carry many segments, and the steady state allocates nothing.
 */
class TcpBulkTransferTest {
    private static final long ONE_WAY_DELAY = 1_000_000L;
    private static final long TIME_LIMIT = 600_000_000_000L; // virtual: 10 minutes

    static MemoryWire wire(long seed, double loss) {
        MemoryWire wire = new MemoryWire(
                MemoryWire.DEFAULT_MTU,
                MemoryWire.DEFAULT_RX_SLOTS,
                MemoryWire.DEFAULT_TX_SLOTS,
                MemoryWire.DEFAULT_SLOT_CAPACITY,
                65_536,
                seed);
        wire.aToB()
                .delayNanos(ONE_WAY_DELAY)
                .loss(loss)
                .reorder(loss / 2, 300_000L)
                .duplicate(loss / 4);
        wire.bToA().delayNanos(ONE_WAY_DELAY).loss(loss / 2);
        return wire;
    }

    /** Runs the loop on virtual time until {@code receiver} holds {@code bytes} (and the FIN, if {@code fin}). */
    static void transfer(StackLoop loop, BulkReceiver receiver, long bytes, boolean fin) {
        long deadline = loop.now + TIME_LIMIT;
        receiver.connect(loop.now);
        while ((receiver.received() < bytes || (fin && !receiver.finReceived)) && loop.now < deadline) {
            int work = loop.pass();
            work += receiver.poll(loop.now);
            if (work == 0) {
                long due = loop.wire.nextDue();
                loop.idleUntil(Math.max(loop.now + 1, Math.min(due, loop.now + 1_000_000L)));
            }
        }
    }

    /** Keeps the loop running for {@code nanos} of virtual time (final ACKs, timers). */
    static void settle(StackLoop loop, BulkReceiver receiver, long nanos) {
        long until = loop.now + nanos;
        while (loop.now < until) {
            int work = loop.pass();
            work += receiver.poll(loop.now);
            if (work == 0) {
                loop.idleUntil(loop.now + 1_000_000L);
            }
        }
    }

    @ParameterizedTest(name = "{0}, {1} MiB at {2} loss")
    @CsvSource({"NEW_RENO, 16, 0.01", "CUBIC, 16, 0.01", "CUBIC, 4, 0.05", "NEW_RENO, 4, 0.05"})
    void lossyTransferCompletesByteExact(TcpConfig.CongestionControlKind cc, int mebibytes, double loss) {
        long bytes = (long) mebibytes << 20;
        TcpConfig config = TcpConfig.defaults().maxConnections(8).congestionControl(cc);
        BulkApplication app = new BulkApplication(bytes, true);
        try (StackLoop loop = new StackLoop(wire(42, loss), config, app, 1_000_000_000L)) {
            BulkReceiver receiver = new BulkReceiver(loop.wire.b(), 40_000, 40_000);
            transfer(loop, receiver, bytes, true);
            settle(loop, receiver, 100_000_000L);
            TcpCounters c = loop.stack.counters();
            String counters = "fast " + c.fastRetransmits + ", rto " + c.rtoRetransmits + ", rto events " + c.rtoEvents
                    + ", recoveries " + c.fastRecoveries + ", received " + receiver.received()
                    + ", MSS per frame " + String.format("%.1f", c.payloadPerFrameInMss(1448));
            System.out.println(cc + " " + mebibytes + " MiB at " + loss + " loss: " + counters);
            assertEquals(bytes, receiver.received(), counters);
            assertTrue(receiver.finReceived, "FIN after the data: " + counters);
            assertEquals(0, receiver.corruptBytes, "every byte matches the pattern");
            assertEquals(0, receiver.resets, "the receiver never sees a reset");
            assertTrue(c.fastRetransmits > 0, "loss is repaired by fast retransmit: " + counters);
            assertEquals(1, app.sendCompletes, "onSendComplete once all bytes are acknowledged");
        }
    }

    @Test
    void bulkFramesCarryAtLeastEightSegments() {
        long bytes = 32L << 20;
        TcpConfig config = TcpConfig.defaults().maxConnections(8);
        try (StackLoop loop = new StackLoop(wire(7, 0), config, new BulkApplication(bytes, false), 1_000_000_000L)) {
            BulkReceiver receiver = new BulkReceiver(loop.wire.b(), 40_000, 40_000);
            transfer(loop, receiver, bytes, false);
            assertEquals(bytes, receiver.received());
            TcpCounters c = loop.stack.counters();
            double perFrame = c.payloadPerFrameInMss(1448);
            System.out.println("lossless 32 MiB: " + c.framesOut + " frames, " + String.format("%.1f", perFrame)
                    + " MSS per frame");
            assertTrue(perFrame >= 8, "average payload per frame " + perFrame + " MSS");
            assertEquals(0, c.retransmitFrames);
        }
    }

    /**
     * Transfers measured, until one allocates nothing: in a JVM that has run the whole module's
     * tests first (TLS sources and filters loaded, call sites megamorphic), C2 takes a few more
     * transfers to settle; a steady state that allocates never reaches 0 however many are tried.
     */
    private static final int MEASURED_RUNS = 8;

    /**
     * After warm-up (JIT compilation and its deoptimisations settle), a whole 16 MiB transfer with
     * 1% loss, handshake and FIN included, allocates nothing on the lane thread. JIT activity can
     * still allocate a few bytes in an early measured run, so up to {@link #MEASURED_RUNS} runs are
     * measured and one of them must be allocation-free.
     */
    @Test
    void steadyStateAllocatesNothing() {
        long bytes = 16L << 20;
        TcpConfig config = TcpConfig.defaults().maxConnections(16);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (StackLoop loop = new StackLoop(wire(3, 0.01), config, new BulkApplication(bytes, true), 1_000_000_000L)) {
            for (int warmUp = 0; warmUp < 4; warmUp++) {
                BulkReceiver receiver = new BulkReceiver(loop.wire.b(), 40_000 + warmUp, 40_000 + warmUp);
                transfer(loop, receiver, bytes, true);
                assertEquals(bytes, receiver.received());
            }
            StringBuilder runs = new StringBuilder();
            long best = Long.MAX_VALUE;
            long recoveriesBefore = loop.stack.counters().fastRetransmits;
            for (int run = 0; run < MEASURED_RUNS && best != 0; run++) {
                BulkReceiver receiver = new BulkReceiver(loop.wire.b(), 41_000 + run, 41_000 + run);
                long before = threads.getCurrentThreadAllocatedBytes();
                transfer(loop, receiver, bytes, true);
                long allocated = threads.getCurrentThreadAllocatedBytes() - before;
                assertEquals(bytes, receiver.received());
                runs.append(allocated).append(" B; ");
                best = Math.min(best, allocated);
            }
            assertTrue(
                    loop.stack.counters().fastRetransmits > recoveriesBefore,
                    "the measured runs include loss recovery");
            assertEquals(0, best, "bytes allocated by the lane thread per 16 MiB lossy transfer: " + runs);
        }
    }
}
