package dev.atlas.server.tcp;

/**
 * Plain counters of one lane's TCP engine. Single writer (the lane thread); readers on other
 * threads (metrics) may see slightly stale values, which is fine for monotonic counters.
 */
public final class TcpCounters {
    public long segmentsIn;
    public long segmentsOut;
    /** Frames handed to the ring; a TSO super-frame counts once. */
    public long framesOut;
    /** TCP payload bytes in {@link #framesOut}: divided by frames and MSS, the TSO figure. */
    public long payloadBytesOut;
    /** Payload bytes sent for the first time (excludes retransmissions). */
    public long bytesOut;

    public long bytesIn;
    public long retransmitFrames;
    public long retransmitBytes;
    /** Retransmissions in fast recovery, driven by SACK or three duplicate ACKs. */
    public long fastRetransmits;
    /** Retransmissions after a retransmission timeout. */
    public long rtoRetransmits;

    public long rtoEvents;
    public long fastRecoveries;
    public long persistProbes;
    public long duplicateAcks;
    public long resetsSent;
    public long resetsReceived;
    public long challengeAcks;
    public long synsReceived;
    public long synCookiesSent;
    public long synCookiesAccepted;
    public long synCookiesRejected;
    public long synQueueOverflows;
    public long connectionsOpen;
    public long connectionsTotal;
    public long connectionsRefused;
    public long connectionTableFull;
    public long idleTimeouts;
    /** Application deadlines that fired (request heads too slow, keep-alive connections idle too long). */
    public long applicationDeadlines;
    /** Connections reset to make room for a new one in a full table (idle keep-alive first, then stalled). */
    public long connectionsEvicted;
    /** SYNs dropped because their address had its limit of connections. */
    public long perAddressLimited;

    public long retransmitTimeouts;
    public long outOfOrderSegments;
    public long droppedSegments;
    public long txRingFull;
    public long arpMisses;
    public long delayedAcks;
    public long timeWaitExpired;
    /** Segments sent shorter than the MSS because their connection could get no more bytes until it sent these. */
    public long shortSegments;
    /** Sends that waited because the bytes were not in memory yet (a disk read on its way). */
    public long dataWaits;
    /** Times the window allowed new bytes but less than the fetch watermark, with ACKs still to come: no read yet. */
    public long fetchesDeferred;

    /**
     * Jain's index (× 10⁶) of the bytes delivered in the last second to the connections that had
     * bytes waiting throughout it ({@link ServiceFairness}); a gauge.
     */
    public long fairnessIndexMillionths = 1_000_000;
    /** How many connections the last fairness interval compared; a gauge. */
    public long fairnessConnections;
    /** Bytes per second delivered to the slowest of them in the last interval; a gauge. */
    public long slowestBusyBytesPerSecond;

    /** Average payload per transmitted frame in MSS units: the TSO figure (≥ 8 in a bulk download). */
    public double payloadPerFrameInMss(int mss) {
        return framesOut == 0 ? 0 : (double) payloadBytesOut / framesOut / mss;
    }
}
