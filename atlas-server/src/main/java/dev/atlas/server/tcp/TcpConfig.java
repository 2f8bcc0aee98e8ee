package dev.atlas.server.tcp;

import dev.atlas.server.proto.Ipv4Header;
import dev.atlas.server.proto.TcpHeader;
import dev.atlas.server.proto.TcpOptions;
import java.util.concurrent.TimeUnit;

/**
 * Tunables of one lane's TCP engine. Built once at start-up with fluent setters
 * ({@code TcpConfig.defaults().maxConnections(1024).congestionControl(CongestionControlKind.NEW_RENO)});
 * the engine sizes every preallocated table from it and never reads it again on the hot path
 * in a way that allocates.
 */
public final class TcpConfig {
    /** Which congestion control every connection of the lane uses. */
    public enum CongestionControlKind {
        NEW_RENO,
        CUBIC
    }

    private int maxConnections = 4096;
    private int maxConnectionsPerAddress = 0;
    private int synQueueCapacity = 256;
    private boolean synCookies = true;
    private int mss = 1460;
    /** The largest IPv4 datagram less its header, a TCP header and the timestamp option. */
    private int maxFramePayload =
            Ipv4Header.MAX_TOTAL_LENGTH - Ipv4Header.MIN_LENGTH - TcpHeader.MIN_LENGTH - TcpOptions.ALIGNED_TIMESTAMP;

    private int receiveWindow = 1 << 20;
    private int windowScale = 7;
    private boolean timestamps = true;
    private boolean sack = true;
    private int initialWindowSegments = 10;
    private int retainedBytesPerConnection = 4096;
    private int streamSegmentsPerConnection = 32;
    private int fetchWatermarkSegments = 10;
    private long initialRtoNanos = TimeUnit.SECONDS.toNanos(1);
    private long minRtoNanos = TimeUnit.MILLISECONDS.toNanos(200);
    private long maxRtoNanos = TimeUnit.SECONDS.toNanos(60);
    private long delayedAckNanos = TimeUnit.MILLISECONDS.toNanos(40);
    private long timeWaitNanos = TimeUnit.SECONDS.toNanos(2);
    private long idleTimeoutNanos = TimeUnit.SECONDS.toNanos(60);
    private int maxRetransmissions = 10;
    private int maxSynAckRetransmissions = 4;
    private long timerTickNanos = TimeUnit.MILLISECONDS.toNanos(1);
    private int timerWheelSlots = 4096;
    private CongestionControlKind congestionControl = CongestionControlKind.CUBIC;

    private TcpConfig() {}

    /** A configuration with the defaults of a CDN edge lane. */
    public static TcpConfig defaults() {
        return new TcpConfig();
    }

    public int maxConnections() {
        return maxConnections;
    }

    public TcpConfig maxConnections(int v) {
        maxConnections = positive(v, "maxConnections");
        return this;
    }

    /** Connections one remote address may hold on the lane; 0 for no limit (clients behind one NAT share an address). */
    public int maxConnectionsPerAddress() {
        return maxConnectionsPerAddress;
    }

    public TcpConfig maxConnectionsPerAddress(int v) {
        if (v < 0)
            throw new IllegalArgumentException("maxConnectionsPerAddress must be 0 (no limit) or positive, got " + v);
        maxConnectionsPerAddress = v;
        return this;
    }

    /** Connections in SYN_RECEIVED kept in the table; SYNs beyond it get SYN cookies. */
    public int synQueueCapacity() {
        return synQueueCapacity;
    }

    public TcpConfig synQueueCapacity(int v) {
        synQueueCapacity = positive(v, "synQueueCapacity");
        return this;
    }

    public boolean synCookies() {
        return synCookies;
    }

    public TcpConfig synCookies(boolean v) {
        synCookies = v;
        return this;
    }

    /** The MSS we announce and the largest segment we send (bounded by the peer's MSS). */
    public int mss() {
        return mss;
    }

    public TcpConfig mss(int v) {
        mss = positive(v, "mss");
        return this;
    }

    /** Largest TCP payload in one TSO super-frame. */
    public int maxFramePayload() {
        return maxFramePayload;
    }

    public TcpConfig maxFramePayload(int v) {
        maxFramePayload = positive(v, "maxFramePayload");
        return this;
    }

    /** Receive window we advertise, in bytes (data is handed to the application at once). */
    public int receiveWindow() {
        return receiveWindow;
    }

    public TcpConfig receiveWindow(int v) {
        receiveWindow = positive(v, "receiveWindow");
        return this;
    }

    public int windowScale() {
        return windowScale;
    }

    public TcpConfig windowScale(int v) {
        if (v < 0 || v > 14) throw new IllegalArgumentException("windowScale must be 0..14, got " + v);
        windowScale = v;
        return this;
    }

    public boolean timestamps() {
        return timestamps;
    }

    public TcpConfig timestamps(boolean v) {
        timestamps = v;
        return this;
    }

    public boolean sack() {
        return sack;
    }

    public TcpConfig sack(boolean v) {
        sack = v;
        return this;
    }

    public int initialWindowSegments() {
        return initialWindowSegments;
    }

    public TcpConfig initialWindowSegments(int v) {
        initialWindowSegments = positive(v, "initialWindowSegments");
        return this;
    }

    /** Bytes each connection may hold for {@link TcpConnection#sendRetained} until they are acknowledged. */
    public int retainedBytesPerConnection() {
        return retainedBytesPerConnection;
    }

    public TcpConfig retainedBytesPerConnection(int v) {
        retainedBytesPerConnection = positive(v, "retainedBytesPerConnection");
        return this;
    }

    /** Stream segments (retained runs or regenerable extents) queued per connection. */
    public int streamSegmentsPerConnection() {
        return streamSegmentsPerConnection;
    }

    public TcpConfig streamSegmentsPerConnection(int v) {
        streamSegmentsPerConnection = positive(v, "streamSegmentsPerConnection");
        return this;
    }

    /**
     * New bytes that must be fetched (read from a drive) are asked for only once the window lets
     * this many MSS go, unless they are a response's tail or nothing is in flight (DESIGN.md §3).
     */
    public int fetchWatermarkSegments() {
        return fetchWatermarkSegments;
    }

    public TcpConfig fetchWatermarkSegments(int v) {
        fetchWatermarkSegments = positive(v, "fetchWatermarkSegments");
        return this;
    }

    public long initialRtoNanos() {
        return initialRtoNanos;
    }

    public TcpConfig initialRtoNanos(long v) {
        initialRtoNanos = positive(v, "initialRtoNanos");
        return this;
    }

    public long minRtoNanos() {
        return minRtoNanos;
    }

    public TcpConfig minRtoNanos(long v) {
        minRtoNanos = positive(v, "minRtoNanos");
        return this;
    }

    public long maxRtoNanos() {
        return maxRtoNanos;
    }

    public TcpConfig maxRtoNanos(long v) {
        maxRtoNanos = positive(v, "maxRtoNanos");
        return this;
    }

    public long delayedAckNanos() {
        return delayedAckNanos;
    }

    public TcpConfig delayedAckNanos(long v) {
        delayedAckNanos = positive(v, "delayedAckNanos");
        return this;
    }

    /** How long a closed connection stays in TIME_WAIT (2·MSL, short on purpose). */
    public long timeWaitNanos() {
        return timeWaitNanos;
    }

    public TcpConfig timeWaitNanos(long v) {
        timeWaitNanos = positive(v, "timeWaitNanos");
        return this;
    }

    /** A connection with no segment from the peer for this long is reset and freed. */
    public long idleTimeoutNanos() {
        return idleTimeoutNanos;
    }

    public TcpConfig idleTimeoutNanos(long v) {
        idleTimeoutNanos = positive(v, "idleTimeoutNanos");
        return this;
    }

    /** Consecutive RTOs (or unanswered persist probes) after which a connection is reset. */
    public int maxRetransmissions() {
        return maxRetransmissions;
    }

    public TcpConfig maxRetransmissions(int v) {
        maxRetransmissions = positive(v, "maxRetransmissions");
        return this;
    }

    public int maxSynAckRetransmissions() {
        return maxSynAckRetransmissions;
    }

    public TcpConfig maxSynAckRetransmissions(int v) {
        maxSynAckRetransmissions = positive(v, "maxSynAckRetransmissions");
        return this;
    }

    public long timerTickNanos() {
        return timerTickNanos;
    }

    public TcpConfig timerTickNanos(long v) {
        timerTickNanos = positive(v, "timerTickNanos");
        return this;
    }

    public int timerWheelSlots() {
        return timerWheelSlots;
    }

    public TcpConfig timerWheelSlots(int v) {
        if (Integer.bitCount(v) != 1)
            throw new IllegalArgumentException("timerWheelSlots must be a power of two, got " + v);
        timerWheelSlots = v;
        return this;
    }

    public CongestionControlKind congestionControl() {
        return congestionControl;
    }

    public TcpConfig congestionControl(CongestionControlKind v) {
        if (v == null) throw new IllegalArgumentException("congestionControl must not be null");
        congestionControl = v;
        return this;
    }

    private static int positive(int v, String name) {
        if (v <= 0) throw new IllegalArgumentException(name + " must be positive, got " + v);
        return v;
    }

    private static long positive(long v, String name) {
        if (v <= 0) throw new IllegalArgumentException(name + " must be positive, got " + v);
        return v;
    }
}
