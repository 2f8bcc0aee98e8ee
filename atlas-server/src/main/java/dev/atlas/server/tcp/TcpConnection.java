package dev.atlas.server.tcp;

import dev.atlas.server.tcp.cc.CongestionControl;
import java.lang.foreign.MemorySegment;

/**
 * One TCP connection of a lane: its control block (preallocated in the stack's connection
 * table and reused after {@link TcpApplication#onClose}) and the application's handle to it.
 * The send side is tracked in 64-bit stream offsets (0 = first byte after our SYN); wire
 * sequence numbers are derived from them, so nothing wraps.
 *
 * <p>All methods must be called on the lane thread.
 */
public final class TcpConnection {
    final TcpStack stack;
    final int id;
    final SendStream stream;
    final SackScoreboard scoreboard;
    final RtoEstimator rto;
    final CongestionControl cc;

    int state = TcpState.CLOSED;
    /** How often this slot has been opened: tells a connection from a later one in the same slot. */
    private int incarnation;

    long key;
    int remoteAddress;
    int remotePort;
    int localPort;
    long remoteMac;
    boolean cookie;
    boolean appAttached;

    // Send side (stream offsets; the FIN occupies offset finOffset).
    int iss;
    long sndUna;
    long sndNxt;
    long sndMax;
    long sndWnd;
    int sndWl1;
    int sndWl2;
    int sndWndScale;
    int mss;
    boolean finQueued;
    long finOffset;
    boolean sendCompleteNotified = true;

    // Receive side (wire sequence numbers).
    int irs;
    int rcvNxt;
    int rcvWndScale;
    int unackedSegments;
    boolean ackNow;
    boolean ackPending;
    boolean peerFinReceived;
    /** The connection ended with the peer's RST (not one of ours, not a FIN exchange). */
    boolean resetByPeer;
    /** Bytes the application can still take beyond rcvNxt ({@link #receiveLimit(int)}); caps the advertised window. */
    int receiveLimit = Integer.MAX_VALUE;

    // Options.
    boolean timestamps;
    int tsRecent;
    boolean sackPermitted;

    // Loss recovery.
    boolean fastRecovery;
    boolean lossRecovery;
    long recoveryPoint;
    long highRxt;
    long lostHint;
    int dupAcks;
    boolean retransmitFirst;
    boolean cwndLimited;
    int retries;
    int persistBackoffs;
    long rttTimedOffset = -1;
    long rttTimedAt;
    int synAckRetries;

    long lastReceivedNanos;
    boolean queuedForOutput;
    /** The output step's pass in which the plan step last asked the sources for this connection's bytes. */
    long plannedPass = -1;

    private Object attachment;
    /** Transforms what the application queues (TLS), or null: bytes go into the stream as they are. */
    private SendFilter sendFilter;

    TcpConnection(
            TcpStack stack,
            int id,
            SendStream stream,
            SackScoreboard scoreboard,
            RtoEstimator rto,
            CongestionControl cc) {
        this.stack = stack;
        this.id = id;
        this.stream = stream;
        this.scoreboard = scoreboard;
        this.rto = rto;
        this.cc = cc;
        stream.owner(this);
    }

    /**
     * Queues a copy of {@code length} bytes of {@code bytes} from {@code offset}; they are kept
     * until acknowledged. Returns {@code false} (queuing nothing) when the connection cannot send
     * or its retained store or segment list is full.
     */
    public boolean sendRetained(MemorySegment bytes, long offset, int length) {
        if (sendFilter != null) {
            return sendFilter.sendRetained(this, bytes, offset, length);
        }
        return sendRetainedDirect(bytes, offset, length);
    }

    /** {@link #sendRetained} past the {@link SendFilter}: the bytes go into the stream as they are. */
    public boolean sendRetainedDirect(MemorySegment bytes, long offset, int length) {
        if (!TcpState.canSend(state) || finQueued || !stream.appendRetained(bytes, offset, length)) {
            return false;
        }
        queued();
        return true;
    }

    /**
     * Queues {@code length} bytes that {@code src} regenerates on demand from extent {@code token}
     * starting at {@code sourceOffset}. Returns {@code false} when the connection cannot send or
     * its segment list is full.
     */
    public boolean send(PayloadSource src, long token, long sourceOffset, long length) {
        if (sendFilter != null) {
            return sendFilter.send(this, src, token, sourceOffset, length);
        }
        return sendDirect(src, token, sourceOffset, length);
    }

    /** {@link #send} past the {@link SendFilter}: the source's bytes go into the stream as they are. */
    public boolean sendDirect(PayloadSource src, long token, long sourceOffset, long length) {
        if (!TcpState.canSend(state) || finQueued || !stream.appendSource(src, token, sourceOffset, length)) {
            return false;
        }
        queued();
        return true;
    }

    /** Sends a FIN after every queued byte; the connection closes once both sides are done. */
    public void shutdownOutput() {
        if (!TcpState.canSend(state) || finQueued) {
            return;
        }
        if (sendFilter != null) {
            sendFilter.closing(this);
        }
        finQueued = true;
        finOffset = stream.end();
        sendCompleteNotified = false;
        state = state == TcpState.ESTABLISHED ? TcpState.FIN_WAIT_1 : TcpState.LAST_ACK;
        stack.requestOutput(this);
    }

    /** Resets the connection (RST) and releases it; {@link TcpApplication#onClose} follows at once. */
    public void abort() {
        if (state != TcpState.CLOSED) {
            stack.abort(this, true);
        }
    }

    private void queued() {
        sendCompleteNotified = false;
        stack.requestOutput(this);
    }

    /** Asks the lane to look at this connection's output again (a source has bytes ready for it). */
    public void wake() {
        // What the plan step asked for before this wake-up is stale (a buffer may now be there for it).
        plannedPass = -1;
        if (state != TcpState.CLOSED) {
            stack.requestOutput(this);
        }
    }

    /**
     * How many bytes beyond those already taken the application can hold: the advertised receive
     * window is capped so that a peer keeping to it never sends more (the window is counted in
     * the scale's units, rounded so it never promises more than {@code bytes}). Lower it by what
     * each {@link TcpApplication#onData} took; when it opens by a segment or more, or from below a
     * segment, the peer is told at once (a window update).
     */
    public void receiveLimit(int bytes) {
        final int previous = receiveLimit;
        receiveLimit = Math.max(0, bytes);
        if (state != TcpState.CLOSED && receiveLimit > previous && (receiveLimit - previous >= mss || previous < mss)) {
            ackNow = true;
            stack.requestOutput(this);
        }
    }

    /**
     * Calls {@link TcpApplication#onDeadline} once, {@code delayNanos} from now (the lane pass's
     * clock), replacing a deadline set before.
     */
    public void deadline(long delayNanos) {
        if (state != TcpState.CLOSED) {
            stack.deadline(this, delayNanos);
        }
    }

    /** Cancels the deadline set with {@link #deadline}. */
    public void cancelDeadline() {
        stack.cancelDeadline(this);
    }

    /**
     * The connection waits for its client's next request with nothing to send: the table may
     * reset it, oldest first, to make room for a new client. Idle keep-alive connections go first.
     */
    public void idle() {
        if (state != TcpState.CLOSED) {
            stack.evictable(this, TcpConnections.IDLE);
        }
    }

    /** A request head is arriving (slowly) with nothing to send: evictable after every idle connection. */
    public void stalled() {
        if (state != TcpState.CLOSED) {
            stack.evictable(this, TcpConnections.STALLED);
        }
    }

    /** The connection is serving: not evictable. */
    public void active() {
        stack.evictable(this, TcpConnections.ACTIVE);
    }

    /** Free stream-segment slots: each queued send takes one (adjacent retained sends share one). */
    public int segmentsFree() {
        return stream.segmentsFree();
    }

    /**
     * Whether the peer reset the connection: true in {@link TcpApplication#onClose} after its RST,
     * false after a normal close or a reset of ours (timeouts, {@link #abort}, the server stopping).
     */
    public boolean resetByPeer() {
        return resetByPeer;
    }

    /** Stream offset of the first byte not yet acknowledged. */
    public long acknowledgedOffset() {
        return sndUna;
    }

    /** Stream offset of the next new byte to send. */
    public long sendOffset() {
        return sndNxt;
    }

    /** Stream offset one past the last byte queued: where the next byte queued will go. */
    public long queuedOffset() {
        return stream.end();
    }

    /** Bytes queued and not yet acknowledged. */
    public long unacknowledgedBytes() {
        return stream.end() - Math.min(sndUna, stream.end());
    }

    /** Free bytes in the retained store. */
    public long retainedFree() {
        return sendFilter != null ? sendFilter.retainedFree(this) : stream.retainedFree();
    }

    /** Free bytes in the retained store, past the {@link SendFilter}. */
    public long retainedFreeDirect() {
        return stream.retainedFree();
    }

    /** Sets (or with null removes) the filter what the application queues goes through; the slot's next connection starts without. */
    public void sendFilter(SendFilter filter) {
        this.sendFilter = filter;
    }

    /** True while the application may queue bytes. */
    public boolean isWritable() {
        return TcpState.canSend(state) && !finQueued;
    }

    public int state() {
        return state;
    }

    public String stateName() {
        return TcpState.name(state);
    }

    /** Slot index in the stack's connection table: stable while the connection lives. */
    int incarnation() {
        return incarnation;
    }

    public int id() {
        return id;
    }

    public int remoteAddress() {
        return remoteAddress;
    }

    public int remotePort() {
        return remotePort;
    }

    public int localPort() {
        return localPort;
    }

    /** The sender MSS negotiated with the peer. */
    public int mss() {
        return mss;
    }

    public long congestionWindow() {
        return cc.cwnd();
    }

    /** When the last segment from the peer arrived (the lane pass's clock). */
    public long lastReceivedNanos() {
        return lastReceivedNanos;
    }

    /** In fast recovery or recovering from a retransmission timeout (the pipe, not sndUna, bounds sending). */
    public boolean inRecovery() {
        return fastRecovery || lossRecovery;
    }

    /** The window the peer last advertised, in bytes (scaled). */
    public long peerWindow() {
        return sndWnd;
    }

    public Object attachment() {
        return attachment;
    }

    public void attachment(Object value) {
        attachment = value;
    }

    void clearAttachment() {
        attachment = null;
    }

    // ---------------------------------------------------------------------------------------
    // Life cycle: the control block sets and resets itself, so no caller writes it field by field
    // ---------------------------------------------------------------------------------------

    /**
     * Takes this slot for a new connection from {@code address:remotePort} (next hop {@code mac})
     * to {@code localPort}: everything the previous connection in the slot left is forgotten. The
     * caller sets the state and the sequence numbers of the handshake.
     */
    void open(long tupleKey, long mac, int address, int fromPort, int toPort, long now) {
        incarnation++;
        key = tupleKey;
        remoteMac = mac;
        remoteAddress = address;
        remotePort = fromPort;
        localPort = toPort;
        lastReceivedNanos = now;
        sendFilter = null;
        cookie = false;
        appAttached = false;
        sndUna = 0;
        sndNxt = 0;
        sndMax = 0;
        sndWnd = 0;
        finQueued = false;
        finOffset = 0;
        sendCompleteNotified = true;
        unackedSegments = 0;
        ackNow = false;
        ackPending = false;
        peerFinReceived = false;
        resetByPeer = false;
        receiveLimit = Integer.MAX_VALUE;
        fastRecovery = false;
        lossRecovery = false;
        recoveryPoint = 0;
        highRxt = 0;
        lostHint = 0;
        dupAcks = 0;
        retries = 0;
        persistBackoffs = 0;
        rttTimedOffset = -1;
        synAckRetries = 0;
        retransmitFirst = false;
        cwndLimited = false;
        tsRecent = 0;
        stream.reset();
        scoreboard.reset();
        rto.reset();
    }

    /** The handshake is complete: stream offset 0 is the first byte after our SYN. */
    void establish(int initialWindowSegments, long now) {
        state = TcpState.ESTABLISHED;
        sndUna = 0;
        sndNxt = 0;
        sndMax = 0;
        cc.init(mss, initialWindowSegments, now);
    }

    /** The slot is free again: nothing of the stream is kept. */
    void closed() {
        state = TcpState.CLOSED;
        stream.reset();
        scoreboard.reset();
    }

    /** Wire sequence number of stream offset {@code offset} (offset 0 follows the SYN). */
    int wireSeq(long offset) {
        return iss + 1 + (int) offset;
    }

    /**
     * Three duplicate ACKs or SACKed bytes above the first unacknowledged one (RFC 6675 §5):
     * everything sent so far is the recovery's span, and the first segment is resent at once.
     */
    void enterFastRecovery(long now) {
        fastRecovery = true;
        recoveryPoint = sndMax;
        highRxt = sndUna;
        lostHint = Math.min(sndUna + mss, sndMax);
        retransmitFirst = true;
        rttTimedOffset = -1;
        cc.onEnterRecovery(sndMax - sndUna - scoreboard.sackedAbove(sndUna - 1), now);
    }

    /** The retransmission timer fired (RFC 6298 §5.5–5.7): everything in flight counts as lost. */
    void enterLossRecovery(long now) {
        cc.onRetransmitTimeout(sndMax - sndUna, now);
        rto.backOff();
        fastRecovery = false;
        lossRecovery = true;
        recoveryPoint = sndMax;
        highRxt = sndUna;
        lostHint = sndMax;
        dupAcks = 0;
        rttTimedOffset = -1;
    }

    /** Where the bytes recovery resends end: the recovery point after a timeout, the SACK-lost boundary in fast recovery. */
    long recoveryBoundary() {
        return Math.min(
                sndMax, lossRecovery ? recoveryPoint : Math.max(scoreboard.lostBoundary(sndUna, mss), lostHint));
    }

    /** Bytes in the network during recovery (RFC 6675 "pipe"): unSACKed above the boundary plus what was resent below it. */
    long pipe(long boundary) {
        return scoreboard.unsackedBytes(Math.max(boundary, sndUna), sndMax)
                + scoreboard.unsackedBytes(sndUna, Math.min(highRxt, boundary));
    }

    @Override
    public String toString() {
        return "TcpConnection#" + id + " " + TcpState.name(state) + " " + (remoteAddress >>> 24) + "."
                + ((remoteAddress >>> 16) & 0xFF) + "." + ((remoteAddress >>> 8) & 0xFF) + "." + (remoteAddress & 0xFF)
                + ":" + remotePort;
    }
}
