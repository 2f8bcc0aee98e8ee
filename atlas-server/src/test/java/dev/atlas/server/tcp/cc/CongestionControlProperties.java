package dev.atlas.server.tcp.cc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** NewReno against RFC 5681/6582 arithmetic, CUBIC's window against the RFC 9438 curve. */
class CongestionControlProperties {
    private static final int MSS = 1000;
    private static final long SECOND = 1_000_000_000L;

    /** Acknowledges one full window per RTT, MSS by MSS, starting at {@code start}; returns the time after. */
    private static long oneRtt(CongestionControl cc, long start, long rtt) {
        long window = cc.cwnd();
        long acked = 0;
        long t = start;
        while (acked < window) {
            cc.onAck(MSS, cc.cwnd(), rtt, t);
            acked += MSS;
        }
        return t + rtt;
    }

    @Test
    void newRenoSlowStartDoublesAndAvoidanceAddsOneSegmentPerRtt() {
        NewReno cc = new NewReno();
        cc.init(MSS, 10, 0);
        oneRtt(cc, 0, SECOND / 10);
        assertEquals(20L * MSS, cc.cwnd());
        cc.onEnterRecovery(20L * MSS, 0);
        assertEquals(10L * MSS, cc.ssthresh());
        assertEquals(10L * MSS, cc.cwnd());
        cc.onExitRecovery(0);
        oneRtt(cc, 0, SECOND / 10);
        assertEquals(11L * MSS, cc.cwnd());
        cc.onRetransmitTimeout(11L * MSS, 0);
        assertEquals(MSS, cc.cwnd());
        assertEquals(5500, cc.ssthresh());
    }

    @Test
    void newRenoDoesNotGrowWhenTheApplicationLimitsIt() {
        NewReno cc = new NewReno();
        cc.init(MSS, 10, 0);
        cc.onAck(MSS, MSS, SECOND / 10, 0);
        assertEquals(10L * MSS, cc.cwnd());
    }

    @Property(tries = 60)
    void cubicFollowsTheCubicCurveAfterALoss(
            @ForAll @IntRange(min = 200, max = 3000) int wMax, @ForAll @IntRange(min = 20, max = 100) int rttMillis) {
        Cubic cc = new Cubic();
        cc.init(MSS, wMax, 0);
        long rtt = rttMillis * 1_000_000L;
        cc.onEnterRecovery((long) wMax * MSS, 0);
        cc.onExitRecovery(0);
        assertEquals((long) (wMax * Cubic.BETA * MSS), cc.cwnd(), MSS, "cwnd = β·W_max after the loss");
        long epoch = rtt; // the epoch starts at the first ACK in congestion avoidance
        long t = epoch;
        double k = Math.cbrt(wMax * (1 - Cubic.BETA) / Cubic.C);
        boolean kChecked = false;
        while ((t - epoch) / 1e9 < 1.5 * k) {
            t = oneRtt(cc, t, rtt);
            if (!kChecked) {
                assertEquals(k, cc.k(), 1e-9, "K of RFC 9438 eq. 2");
                kChecked = true;
            }
            double elapsed = (t - epoch) / 1e9;
            double expected = cc.windowAt(elapsed);
            double segments = cc.cwnd() / (double) MSS;
            // The window tracks W_cubic (never above W_cubic(t + RTT), the target of §4.4) except
            // where the Reno-friendly estimate is larger; within a few segments of the curve.
            double upper = Math.max(cc.windowAt(elapsed + rttMillis / 1000.0), renoBound(wMax, elapsed, rttMillis)) + 1;
            assertTrue(segments <= upper, "cwnd " + segments + " above " + upper + " at t=" + elapsed);
            assertTrue(
                    segments >= Math.min(expected, wMax * 1.5) - 0.05 * wMax - 2,
                    "cwnd " + segments + " far below W_cubic " + expected + " at t=" + elapsed);
        }
    }

    /** RFC 9438 §4.3: W_est grows by α_cubic per RTT from β·W_max (α 1 once above W_max, bounded generously). */
    private static double renoBound(int wMax, double elapsed, int rttMillis) {
        double rtts = elapsed / (rttMillis / 1000.0) + 1;
        return wMax * Cubic.BETA + rtts;
    }

    @Test
    void cubicFastConvergenceLowersWMax() {
        Cubic cc = new Cubic();
        cc.init(MSS, 100, 0);
        cc.onEnterRecovery(100L * MSS, 0);
        assertEquals(100, cc.wMax(), 1e-9);
        cc.onExitRecovery(0);
        cc.onEnterRecovery(70L * MSS, 0);
        assertEquals(70 * (1 + Cubic.BETA) / 2, cc.wMax(), 1e-9);
    }
}
