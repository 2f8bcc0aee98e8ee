package dev.atlas.server.tcp.cc;

/**
 * A congestion controller for one connection, in bytes. The engine owns loss detection and
 * recovery (RFC 6675 pipe); the controller only decides the windows.
 */
public interface CongestionControl {
    /** Starts a new connection with sender MSS {@code mss} and an initial window of {@code initialSegments}. */
    void init(int mss, int initialSegments, long nowNanos);

    /** Congestion window in bytes. */
    long cwnd();

    /** Slow-start threshold in bytes. */
    long ssthresh();

    /**
     * New data was cumulatively acknowledged outside recovery: grow the window.
     * {@code inFlight} is what was outstanding before the ACK, or the window itself when the
     * sender was held back by the window (growth stops when the window is not the limit).
     */
    void onAck(long ackedBytes, long inFlight, long srttNanos, long nowNanos);

    /** Fast retransmit: enter loss recovery with {@code inFlight} bytes outstanding. */
    void onEnterRecovery(long inFlight, long nowNanos);

    /** Recovery ended (the recovery point was acknowledged). */
    void onExitRecovery(long nowNanos);

    /** The retransmission timer expired: collapse to the loss window. */
    void onRetransmitTimeout(long inFlight, long nowNanos);

    /** Short name for logs ("newreno", "cubic"). */
    String name();
}
