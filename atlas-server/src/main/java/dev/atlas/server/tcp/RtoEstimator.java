package dev.atlas.server.tcp;

/**
 * Retransmission timeout per RFC 6298: SRTT and RTTVAR from RTT samples (the caller applies
 * Karn's rule or uses timestamps, which make every sample unambiguous), RTO = SRTT + 4·RTTVAR
 * bounded to [min, max], doubled on every back-off until a new sample arrives.
 */
public final class RtoEstimator {
    private static final int ALPHA_SHIFT = 3; // alpha = 1/8
    private static final int BETA_SHIFT = 2; // beta = 1/4
    private static final int K = 4;

    private final long initialRtoNanos;
    private final long minRtoNanos;
    private final long maxRtoNanos;
    private final long clockGranularityNanos;

    private long srtt;
    private long rttvar;
    private long baseRto;
    private int backoffs;
    private boolean hasSample;

    public RtoEstimator(long initialRtoNanos, long minRtoNanos, long maxRtoNanos, long clockGranularityNanos) {
        this.initialRtoNanos = initialRtoNanos;
        this.minRtoNanos = minRtoNanos;
        this.maxRtoNanos = maxRtoNanos;
        this.clockGranularityNanos = clockGranularityNanos;
        reset();
    }

    /** Back to the state of a new connection: no sample, RTO = the initial RTO. */
    public void reset() {
        srtt = 0;
        rttvar = 0;
        baseRto = initialRtoNanos;
        backoffs = 0;
        hasSample = false;
    }

    /** Feeds one RTT measurement (RFC 6298 §2.2/2.3) and clears the back-off. */
    public void onSample(long rttNanos) {
        final long r = Math.max(0, rttNanos);
        if (!hasSample) {
            srtt = r;
            rttvar = r / 2;
            hasSample = true;
        } else {
            final long delta = Math.abs(srtt - r);
            rttvar = rttvar - (rttvar >> BETA_SHIFT) + (delta >> BETA_SHIFT);
            srtt = srtt - (srtt >> ALPHA_SHIFT) + (r >> ALPHA_SHIFT);
        }
        baseRto = srtt + Math.max(clockGranularityNanos, K * rttvar);
        backoffs = 0;
    }

    /** Doubles the timeout after it expired (§5.5), up to the maximum. */
    public void backOff() {
        if (rtoNanos() < maxRtoNanos) {
            backoffs++;
        }
    }

    /** Clears the back-off without a sample (new data acknowledged after a timeout, §5.7). */
    public void clearBackoff() {
        backoffs = 0;
    }

    /** The current timeout: bounded base RTO times 2^back-offs, never above the maximum. */
    public long rtoNanos() {
        final long bounded = Math.min(maxRtoNanos, Math.max(minRtoNanos, baseRto));
        final int shift = Math.min(backoffs, 30);
        final long scaled = bounded << shift;
        return (scaled >>> shift) != bounded || scaled > maxRtoNanos ? maxRtoNanos : scaled;
    }

    public long srttNanos() {
        return srtt;
    }

    public long rttvarNanos() {
        return rttvar;
    }

    public int backoffs() {
        return backoffs;
    }

    public boolean hasSample() {
        return hasSample;
    }
}
