package dev.atlas.server.tcp.cc;

/**
 * NewReno window arithmetic (RFC 5681 slow start and congestion avoidance with appropriate byte
 * counting, RFC 6582 halving on entering recovery). Partial-ACK retransmission lives in the engine.
 */
public final class NewReno implements CongestionControl {
    private int mss;
    private long cwnd;
    private long ssthresh;
    private long avoidanceCredit;

    @Override
    public void init(int mss, int initialSegments, long nowNanos) {
        this.mss = mss;
        this.cwnd = (long) initialSegments * mss;
        this.ssthresh = Long.MAX_VALUE / 4;
        this.avoidanceCredit = 0;
    }

    @Override
    public long cwnd() {
        return cwnd;
    }

    @Override
    public long ssthresh() {
        return ssthresh;
    }

    @Override
    public void onAck(long ackedBytes, long inFlight, long srttNanos, long nowNanos) {
        if (inFlight + 2L * mss < cwnd) {
            return; // application-limited: the window was not the constraint (RFC 7661 spirit)
        }
        if (cwnd < ssthresh) {
            // Slow start counts every acknowledged byte (as Linux does): receivers with GRO send
            // stretch ACKs for many segments, and RFC 3465's L = 2·SMSS would starve growth.
            cwnd = Math.min(cwnd + ackedBytes, Math.max(ssthresh, cwnd + mss));
            return;
        }
        // One MSS per window of acknowledged bytes.
        avoidanceCredit += ackedBytes;
        if (avoidanceCredit >= cwnd) {
            avoidanceCredit -= cwnd;
            cwnd += mss;
        }
    }

    @Override
    public void onEnterRecovery(long inFlight, long nowNanos) {
        ssthresh = Math.max(inFlight / 2, 2L * mss);
        cwnd = ssthresh;
        avoidanceCredit = 0;
    }

    @Override
    public void onExitRecovery(long nowNanos) {
        cwnd = ssthresh;
    }

    @Override
    public void onRetransmitTimeout(long inFlight, long nowNanos) {
        ssthresh = Math.max(inFlight / 2, 2L * mss);
        cwnd = mss;
        avoidanceCredit = 0;
    }

    @Override
    public String name() {
        return "newreno";
    }
}
