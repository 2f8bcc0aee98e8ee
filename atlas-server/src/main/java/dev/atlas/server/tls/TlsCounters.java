package dev.atlas.server.tls;

/**
 * A lane's TLS counters: plain fields written by the lane thread only, read racily by the
 * management plane. Handshakes are counted by version and suite (the four AES-GCM pairs) and by
 * outcome; alerts by their description code (RFC 8446 §6).
 */
public final class TlsCounters {
    /** Index of a (version, key size) pair in {@link #handshakesCompleted}. */
    public static final int TLS13_AES128 = 0;

    public static final int TLS13_AES256 = 1;
    public static final int TLS12_AES128 = 2;
    public static final int TLS12_AES256 = 3;
    public static final String[] SUITE_LABELS = {
        "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "ECDHE_AES_128_GCM", "ECDHE_AES_256_GCM"
    };
    public static final String[] VERSION_LABELS = {"TLSv1.3", "TLSv1.3", "TLSv1.2", "TLSv1.2"};
    private static final int ALERT_CODES = 256;

    public long handshakesStarted;
    public final long[] handshakesCompleted = new long[4];
    /** Handshakes that ended in an alert, a malformed message or a closed connection. */
    public long handshakesFailed;
    /** Handshake messages that waited for a later lane pass (the per-pass handshake budget was spent). */
    public long handshakesDeferred;

    public long handshakeNanosTotal;
    public long handshakeNanosMax;
    public final long[] alertsSent = new long[ALERT_CODES];
    public final long[] alertsReceived = new long[ALERT_CODES];
    public long recordsOpened;
    public long badRecords;
    /**
     * Records whose decrypted requests the HTTP side could not all take at once (a client
     * pipelining past its budget): the rest waited in the session until a response completed.
     */
    public long plaintextHeld;

    public long keyUpdatesReceived;
    public long keyUpdatesSent;
    public long renegotiationsRefused;

    void handshakeTook(long nanos) {
        handshakeNanosTotal += nanos;
        if (nanos > handshakeNanosMax) {
            handshakeNanosMax = nanos;
        }
    }

    public long handshakesCompletedTotal() {
        long n = 0;
        for (long c : handshakesCompleted) {
            n += c;
        }
        return n;
    }
}
