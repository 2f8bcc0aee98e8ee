package dev.atlas.server.tcp.cc;

/**
 * CUBIC (RFC 9438): after a congestion event the window follows
 * W_cubic(t) = C·(t − K)³ + W_max with K = ∛(W_max·(1 − β)/C), β = 0.7, C = 0.4, in segments and
 * seconds; a Reno-friendly estimate W_est (α = 3(1 − β)/(1 + β)) takes over where it is larger;
 * fast convergence lowers W_max when the window shrank since the previous event.
 */
public final class Cubic implements CongestionControl {
    /** RFC 9438 C. */
    public static final double C = 0.4;
    /** RFC 9438 β_cubic. */
    public static final double BETA = 0.7;
    /** RFC 9438 α_cubic for the Reno-friendly region. */
    public static final double ALPHA = 3.0 * (1.0 - BETA) / (1.0 + BETA);

    private static final double NANOS_PER_SECOND = 1e9;

    private int mss;
    private double cwndSegments;
    private double ssthreshSegments;
    private double wMax;
    private double wLastMax;
    private double k;
    private double wEst;
    private long epochStartNanos;
    private boolean epochStarted;

    @Override
    public void init(int mss, int initialSegments, long nowNanos) {
        this.mss = mss;
        this.cwndSegments = initialSegments;
        this.ssthreshSegments = Double.MAX_VALUE / 4;
        this.wMax = 0;
        this.wLastMax = 0;
        this.k = 0;
        this.wEst = 0;
        this.epochStarted = false;
    }

    @Override
    public long cwnd() {
        return (long) (cwndSegments * mss);
    }

    @Override
    public long ssthresh() {
        return ssthreshSegments >= Long.MAX_VALUE / 4.0 / mss ? Long.MAX_VALUE / 4 : (long) (ssthreshSegments * mss);
    }

    /** W_cubic(t) of RFC 9438 eq. 1, in segments, for {@code t} seconds since the epoch. */
    public double windowAt(double t) {
        final double d = t - k;
        return C * d * d * d + wMax;
    }

    public double k() {
        return k;
    }

    public double wMax() {
        return wMax;
    }

    @Override
    public void onAck(long ackedBytes, long inFlight, long srttNanos, long nowNanos) {
        if (inFlight + 2L * mss < cwnd()) {
            return; // application-limited
        }
        final double acked = (double) ackedBytes / mss;
        if (cwndSegments < ssthreshSegments) {
            // Every acknowledged segment counts (stretch ACKs from GRO receivers), as in Linux.
            cwndSegments = Math.min(cwndSegments + acked, Math.max(ssthreshSegments, cwndSegments + 1));
            return;
        }
        if (!epochStarted) {
            epochStarted = true;
            epochStartNanos = nowNanos;
            if (wMax < cwndSegments) {
                // No congestion event yet (left slow start by ssthresh): start on the plateau here.
                wMax = cwndSegments;
            }
            // K from the window the epoch starts with (RFC 9438 eq. 2 with cwnd_epoch).
            k = Math.cbrt((wMax - cwndSegments) / C);
            wEst = cwndSegments;
        }
        final double t = (nowNanos - epochStartNanos) / NANOS_PER_SECOND;
        final double rtt = srttNanos / NANOS_PER_SECOND;
        // Reno-friendly estimate (§4.3), α grows to 1 once W_est passed W_max.
        final double alpha = wEst >= wMax ? 1.0 : ALPHA;
        wEst += alpha * acked / cwndSegments;
        double target = windowAt(t + rtt);
        if (target < cwndSegments) {
            target = cwndSegments;
        } else if (target > 1.5 * cwndSegments) {
            target = 1.5 * cwndSegments;
        }
        if (wEst > target && wEst > cwndSegments) {
            cwndSegments = wEst;
        } else {
            cwndSegments += (target - cwndSegments) / cwndSegments * acked;
        }
    }

    @Override
    public void onEnterRecovery(long inFlight, long nowNanos) {
        congestionEvent(nowNanos);
        cwndSegments = Math.max(ssthreshSegments, 2.0);
    }

    @Override
    public void onExitRecovery(long nowNanos) {
        cwndSegments = Math.max(ssthreshSegments, 2.0);
    }

    @Override
    public void onRetransmitTimeout(long inFlight, long nowNanos) {
        congestionEvent(nowNanos);
        cwndSegments = 1.0;
    }

    private void congestionEvent(long nowNanos) {
        double w = cwndSegments;
        // Fast convergence (§4.7).
        if (w < wLastMax) {
            wLastMax = w;
            wMax = w * (1.0 + BETA) / 2.0;
        } else {
            wLastMax = w;
            wMax = w;
        }
        ssthreshSegments = Math.max(w * BETA, 2.0);
        epochStarted = false;
        wEst = ssthreshSegments;
    }

    @Override
    public String name() {
        return "cubic";
    }
}
