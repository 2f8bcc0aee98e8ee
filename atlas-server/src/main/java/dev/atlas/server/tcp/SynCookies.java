package dev.atlas.server.tcp;

/**
 * Stateless SYN cookies (RFC 4987 §3.6): when the SYN queue is full the SYN-ACK's initial
 * sequence number carries everything needed to create the connection when the final ACK
 * arrives. Layout of the 32-bit ISN: {@code counter(5) | mssIndex(3) | mac(24)}, where the
 * counter is the time in {@link #PERIOD_NANOS} periods (mod 32) and the 24-bit MAC is a keyed
 * SipHash-2-4 of the 4-tuple, the client's ISN, the counter and the MSS index. The key is random
 * per stack and the counter enters the hash, so the effective secret rotates every period; a
 * cookie is accepted for {@link #MAX_AGE_PERIODS} periods.
 *
 * <p>When the client sent timestamps, the window scale and SACK-permitted choice ride in the
 * low {@link #TS_OPTION_BITS} bits of our TSval, which the final ACK echoes.
 */
public final class SynCookies {
    /** Time per counter step (64 s, as in Linux). */
    public static final long PERIOD_NANOS = 64_000_000_000L;
    /** A cookie older than this many periods is refused. */
    public static final int MAX_AGE_PERIODS = 2;
    /** MSS values a cookie can carry, ascending. */
    static final int[] MSS_TABLE = {536, 1200, 1300, 1380, 1400, 1440, 1452, 1460};
    /** Low TSval bits: bit 4 SACK-permitted, bits 0..3 window scale (15 = none). */
    public static final int TS_OPTION_BITS = 5;

    static final int TS_OPTION_MASK = (1 << TS_OPTION_BITS) - 1;
    static final int TS_SACK_BIT = 1 << 4;
    static final int TS_NO_WSCALE = 0xF;

    private static final int COUNTER_SHIFT = 27;
    private static final int COUNTER_MASK = 0x1F;
    private static final int MSS_SHIFT = 24;
    private static final int MSS_MASK = 0x7;
    private static final int MAC_MASK = 0xFF_FFFF;

    private final long k0;
    private final long k1;

    public SynCookies(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    /** The largest table MSS not above {@code mss}. */
    public static int mssIndex(int mss) {
        int index = 0;
        for (int i = 0; i < MSS_TABLE.length; i++) {
            if (MSS_TABLE[i] <= mss) {
                index = i;
            }
        }
        return index;
    }

    public static int mssOf(int index) {
        return MSS_TABLE[index];
    }

    static int counter(long nowNanos) {
        return (int) (Math.floorDiv(nowNanos, PERIOD_NANOS) & COUNTER_MASK);
    }

    /** The ISN to put in a cookie SYN-ACK. */
    public int encode(long tuple, int clientIsn, int mssIndex, long nowNanos) {
        final int counter = counter(nowNanos);
        return (counter << COUNTER_SHIFT) | (mssIndex << MSS_SHIFT) | mac(tuple, clientIsn, counter, mssIndex);
    }

    /**
     * Checks the cookie {@code ack - 1} of a final ACK whose sequence number is {@code seq}
     * (client ISN + 1). Returns the MSS index, or −1 when the cookie is forged or too old.
     */
    public int decode(long tuple, int seq, int ack, long nowNanos) {
        final int cookie = ack - 1;
        final int counter = (cookie >>> COUNTER_SHIFT) & COUNTER_MASK;
        final int age = (counter(nowNanos) - counter) & COUNTER_MASK;
        if (age >= MAX_AGE_PERIODS) {
            return -1;
        }
        final int mssIndex = (cookie >>> MSS_SHIFT) & MSS_MASK;
        return (cookie & MAC_MASK) == mac(tuple, seq - 1, counter, mssIndex) ? mssIndex : -1;
    }

    /** Our TSval for a cookie SYN-ACK: {@code clock} with the options folded into the low bits. */
    static int encodeTimestamp(int clock, int windowScale, boolean sackPermitted) {
        final int bits = (windowScale < 0 ? TS_NO_WSCALE : windowScale) | (sackPermitted ? TS_SACK_BIT : 0);
        final int ts = (clock & ~TS_OPTION_MASK) | bits;
        // Never ahead of the clock: the peer's PAWS check would drop our next segments as old.
        return ts - clock > 0 ? ts - (1 << TS_OPTION_BITS) : ts;
    }

    private int mac(long tuple, int clientIsn, int counter, int mssIndex) {
        final long m = ((long) clientIsn << 32) | ((long) counter << 8) | mssIndex;
        return (int) (sipHash24(tuple, m) & MAC_MASK);
    }

    /** SipHash-2-4 of two 64-bit words under this stack's key. */
    long sipHash24(long m0, long m1) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        final long last = 16L << 56; // message length 16 bytes, no tail
        for (int w = 0; w < 3; w++) {
            final long m = w == 0 ? m0 : w == 1 ? m1 : last;
            v3 ^= m;
            for (int r = 0; r < 2; r++) {
                v0 += v1;
                v1 = Long.rotateLeft(v1, 13);
                v1 ^= v0;
                v0 = Long.rotateLeft(v0, 32);
                v2 += v3;
                v3 = Long.rotateLeft(v3, 16);
                v3 ^= v2;
                v0 += v3;
                v3 = Long.rotateLeft(v3, 21);
                v3 ^= v0;
                v2 += v1;
                v1 = Long.rotateLeft(v1, 17);
                v1 ^= v2;
                v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        v2 ^= 0xff;
        for (int r = 0; r < 4; r++) {
            v0 += v1;
            v1 = Long.rotateLeft(v1, 13);
            v1 ^= v0;
            v0 = Long.rotateLeft(v0, 32);
            v2 += v3;
            v3 = Long.rotateLeft(v3, 16);
            v3 ^= v2;
            v0 += v3;
            v3 = Long.rotateLeft(v3, 21);
            v3 ^= v0;
            v2 += v1;
            v1 = Long.rotateLeft(v1, 17);
            v1 ^= v2;
            v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
