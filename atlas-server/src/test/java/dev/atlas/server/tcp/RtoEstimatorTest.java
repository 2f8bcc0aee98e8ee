package dev.atlas.server.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** RFC 6298 arithmetic: first sample, smoothing, bounds, back-off doubling and its cap. */
class RtoEstimatorTest {
    private static final long MS = 1_000_000L;

    @Test
    void followsRfc6298() {
        RtoEstimator rto = new RtoEstimator(1000 * MS, 200 * MS, 60_000 * MS, MS);
        assertEquals(1000 * MS, rto.rtoNanos(), "initial RTO");
        rto.onSample(100 * MS);
        assertEquals(100 * MS, rto.srttNanos());
        assertEquals(50 * MS, rto.rttvarNanos());
        assertEquals(300 * MS, rto.rtoNanos(), "SRTT + 4·RTTVAR");
        rto.onSample(200 * MS);
        // RTTVAR = 3/4·50 + 1/4·|100−200| = 62.5; SRTT = 7/8·100 + 1/8·200 = 112.5
        assertEquals(62_500_000L, rto.rttvarNanos());
        assertEquals(112_500_000L, rto.srttNanos());
        assertEquals(362_500_000L, rto.rtoNanos());
    }

    @Test
    void isBoundedAndBacksOffUntilTheMaximum() {
        RtoEstimator rto = new RtoEstimator(1000 * MS, 200 * MS, 60_000 * MS, MS);
        rto.onSample(MS / 10);
        assertEquals(200 * MS, rto.rtoNanos(), "minimum");
        long expected = 200 * MS;
        for (int i = 0; i < 12; i++) {
            rto.backOff();
            expected = Math.min(expected * 2, 60_000 * MS);
            assertEquals(expected, rto.rtoNanos(), "after " + (i + 1) + " back-offs");
        }
        rto.onSample(MS / 10);
        assertEquals(200 * MS, rto.rtoNanos(), "a new sample clears the back-off");
    }
}
