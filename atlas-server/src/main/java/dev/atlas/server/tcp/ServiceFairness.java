package dev.atlas.server.tcp;

/**
 * How evenly the lane served the connections that wanted service, measured once a second: the
 * connections that had bytes queued and unacknowledged at both ends of the interval (the same
 * connection, not a reused slot) are compared by the bytes their peers acknowledged in it, with
 * Jain's index {@code (Σx)² / (n·Σx²)} — 1 when every such connection got the same, 1/n when one
 * got everything. Also the slowest of them, in bytes per second: the viewer closest to a stall.
 * A peer that reads slowly lowers the index too, so it is a view of the lane's service, not a
 * proof of the scheduler's fairness (docs/storage.md); with equal clients it is the latter.
 *
 * <p>Lane thread only; allocates nothing after construction.
 */
final class ServiceFairness {
    static final long INTERVAL_NANOS = 1_000_000_000L;

    private final TcpConnections connections;
    private final TcpCounters counters;
    /** Per slot at the last mark: acknowledged offset, incarnation, and whether it was busy. */
    private final long[] markAcknowledged;

    private final int[] markIncarnation;
    private final boolean[] markBusy;
    private long lastMark = Long.MIN_VALUE;

    ServiceFairness(TcpConnections connections, TcpCounters counters) {
        this.connections = connections;
        this.counters = counters;
        final int slots = connections.capacity();
        this.markAcknowledged = new long[slots];
        this.markIncarnation = new int[slots];
        this.markBusy = new boolean[slots];
    }

    /** The timer step at {@code now}: closes an interval when a second has passed since the last. */
    void sample(long now) {
        if (lastMark != Long.MIN_VALUE && now - lastMark < INTERVAL_NANOS) {
            return;
        }
        final boolean measured = lastMark != Long.MIN_VALUE;
        final double seconds = (now - lastMark) / 1e9;
        lastMark = now;
        int n = 0;
        double sum = 0;
        double sumOfSquares = 0;
        long slowest = Long.MAX_VALUE;
        for (int id = 0; id < markBusy.length; id++) {
            final TcpConnection c = connections.get(id);
            final boolean busy = c != null && c.state != TcpState.CLOSED && c.queuedOffset() > c.acknowledgedOffset();
            if (busy && measured && markBusy[id] && markIncarnation[id] == c.incarnation()) {
                final long delivered = c.acknowledgedOffset() - markAcknowledged[id];
                n++;
                sum += delivered;
                sumOfSquares += (double) delivered * delivered;
                slowest = Math.min(slowest, delivered);
            }
            markBusy[id] = busy;
            if (busy) {
                markAcknowledged[id] = c.acknowledgedOffset();
                markIncarnation[id] = c.incarnation();
            }
        }
        if (!measured) {
            return;
        }
        counters.fairnessConnections = n;
        counters.fairnessIndexMillionths =
                n == 0 || sumOfSquares == 0 ? 1_000_000 : (long) (sum * sum / (n * sumOfSquares) * 1e6);
        counters.slowestBusyBytesPerSecond = n == 0 ? 0 : (long) (slowest / seconds);
    }
}
