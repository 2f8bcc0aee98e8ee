package dev.atlas.server.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The lane's service-fairness gauges on the memory wire: three long downloads whose peers
 * advertise the same window are served alike (Jain's index near 1); when one peer's window is an
 * eighth of the others', the index says so and the slowest connection's rate is that peer's.
 */
class ServiceFairnessTest {
    private static final long BYTES = 1L << 30;
    /** 16 KiB and 2 KiB windows (the field is scaled by 2^7) over a 2 ms round trip: 8 MB/s and 1 MB/s. */
    private static final int WINDOW = 128;

    private static final int SMALL_WINDOW = 16;

    @Test
    void equalPeersAreServedAlike() {
        final TcpCounters c = run(WINDOW, WINDOW, WINDOW);
        assertEquals(3, c.fairnessConnections, "the three downloads were compared");
        assertTrue(c.fairnessIndexMillionths > 990_000, "index " + c.fairnessIndexMillionths);
        assertTrue(c.slowestBusyBytesPerSecond > 6_000_000, "slowest " + c.slowestBusyBytesPerSecond);
    }

    @Test
    void aSlowPeerShowsInTheIndexAndTheSlowestRate() {
        final TcpCounters c = run(WINDOW, WINDOW, SMALL_WINDOW);
        assertEquals(3, c.fairnessConnections);
        // (1 + 1 + 1/8)² / (3 · (1 + 1 + 1/64)) ≈ 0.75
        assertTrue(
                c.fairnessIndexMillionths > 700_000 && c.fairnessIndexMillionths < 800_000,
                "index " + c.fairnessIndexMillionths);
        assertTrue(c.slowestBusyBytesPerSecond < 1_500_000, "slowest " + c.slowestBusyBytesPerSecond);
    }

    /** Three downloads for 3.5 s of virtual time; the counters after the last whole second. */
    private static TcpCounters run(int... windowFields) {
        final TcpConfig config = TcpConfig.defaults().maxConnections(8);
        try (StackLoop loop = new StackLoop(
                TcpBulkTransferTest.wire(5, 0), config, new BulkApplication(BYTES, true), 1_000_000_000L)) {
            final BulkReceiver[] receivers = new BulkReceiver[windowFields.length];
            for (int i = 0; i < receivers.length; i++) {
                receivers[i] = new BulkReceiver(loop.wire.b(), 40_000 + i, 40_000 + i);
                receivers[i].windowField(windowFields[i]);
                receivers[i].connect(loop.now);
            }
            final BulkReceiver[] others = java.util.Arrays.copyOfRange(receivers, 1, receivers.length);
            final long end = loop.now + 3_500_000_000L;
            while (loop.now < end) {
                int work = loop.pass();
                work += BulkReceiver.pollAll(loop.now, receivers[0], others);
                if (work == 0) {
                    loop.idleUntil(Math.max(loop.now + 1, Math.min(loop.wire.nextDue(), loop.now + 1_000_000L)));
                }
            }
            return loop.stack.counters();
        }
    }
}
