package dev.atlas.server.tcp;

import dev.atlas.server.proto.TcpHeader;
import dev.atlas.server.proto.TcpOptions;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * Passive opens (a CDN edge accepts, it does not dial): a SYN takes a slot in the bounded SYN
 * queue and gets a SYN-ACK; beyond the queue it gets a SYN cookie instead and the connection is
 * built from the cookie when the ACK returns; the ACK of our SYN-ACK establishes it. Options are
 * negotiated here (MSS, window scale, SACK-permitted, timestamps).
 *
 * <p>A full table does not lock new clients out: the SYN gets a cookie, and when its ACK comes
 * back (so the address is real) the oldest idle keep-alive connection, else the oldest stalled
 * one, is reset to make room ({@link TcpConnections#evictionCandidate}). A spoofed SYN flood
 * therefore evicts nobody. Without cookies the SYN itself makes room.
 */
final class TcpHandshake {
    private static final int MIN_MSS = 64;
    /** MSS assumed when the SYN has none (RFC 9293 §3.7.1). */
    static final int DEFAULT_MSS = 536;

    private final TcpConfig config;
    private final TcpCounters counters;
    private final TcpConnections connections;
    private final TcpOptions options;
    private final TcpTimers timers;
    private final TcpStack stack;
    private final SynCookies cookies;
    private final SplittableRandom random;
    private final SegmentSender sender;
    private TcpInput input;

    TcpHandshake(
            TcpConfig config,
            TcpCounters counters,
            TcpConnections connections,
            TcpOptions options,
            TcpTimers timers,
            SegmentSender sender,
            TcpStack stack,
            SplittableRandom random) {
        this.config = config;
        this.counters = counters;
        this.connections = connections;
        this.options = options;
        this.timers = timers;
        this.sender = sender;
        this.stack = stack;
        this.random = random;
        this.cookies = new SynCookies(random.nextLong(), random.nextLong());
    }

    /** The input side, built after this (it hands SYN_RECEIVED segments here and takes the established ones back). */
    void input(TcpInput in) {
        input = in;
    }

    /** A SYN for a port we listen on, with no connection for its 4-tuple. */
    void onSyn(long key, long sourceMac, int source, int sourcePort, int localPort, int seq, int window, long now) {
        counters.synsReceived++;
        if (connections.atAddressLimit(source)) {
            counters.perAddressLimited++;
            return;
        }
        if (connections.isFull()) {
            counters.connectionTableFull++;
            if (!config.synCookies()) {
                makeRoom();
            }
        }
        if (connections.synQueued() < config.synQueueCapacity() && !connections.isFull()) {
            final TcpConnection c = connections.open(key, sourceMac, source, sourcePort, localPort, now);
            c.state = TcpState.SYN_RECEIVED;
            connections.synQueued(1);
            c.irs = seq;
            c.rcvNxt = seq + 1;
            c.iss = random.nextInt();
            negotiate(c, options.mss(), options.windowScale(), options.sackPermitted(), options.timestampPresent());
            c.tsRecent = options.timestampValue();
            c.sndWnd = window;
            c.sndWl1 = seq;
            c.rttTimedAt = now;
            sender.sendSynAck(c, now);
            timers.restartRetransmit(c, now);
            return;
        }
        counters.synQueueOverflows++;
        if (!config.synCookies()) {
            return;
        }
        final int peerMss = options.mss() == TcpOptions.ABSENT ? DEFAULT_MSS : options.mss();
        final int mssIndex = SynCookies.mssIndex(Math.min(peerMss, config.mss()));
        final int iss = cookies.encode(key, seq, mssIndex, now);
        final boolean ts = options.timestampPresent() && config.timestamps();
        final int wscale =
                options.windowScale() != TcpOptions.ABSENT && config.windowScale() > 0 ? options.windowScale() : -1;
        final boolean sack = options.sackPermitted() && config.sack();
        final int tsVal = SynCookies.encodeTimestamp(sender.clock(now), ts ? wscale : -1, ts && sack);
        if (sender.sendCookieSynAck(
                sourceMac,
                source,
                localPort,
                sourcePort,
                iss,
                seq + 1,
                config.mss(),
                ts && wscale >= 0 ? config.windowScale() : Segment.ABSENT,
                ts && sack,
                ts,
                tsVal,
                options.timestampValue())) {
            counters.synCookiesSent++;
        }
    }

    /**
     * An ACK with no connection: if it carries a valid SYN cookie, builds the connection the cookie
     * describes and returns it (established), else returns null.
     */
    TcpConnection fromCookie(
            long key,
            long sourceMac,
            int source,
            int sourcePort,
            int localPort,
            int seq,
            int ack,
            int window,
            long now) {
        final int mssIndex = cookies.decode(key, seq, ack, now);
        if (mssIndex >= 0 && connections.isFull()) {
            makeRoom();
        }
        if (mssIndex < 0 || connections.isFull() || connections.atAddressLimit(source)) {
            counters.synCookiesRejected++;
            return null;
        }
        counters.synCookiesAccepted++;
        final TcpConnection c = connections.open(key, sourceMac, source, sourcePort, localPort, now);
        c.irs = seq - 1;
        c.rcvNxt = seq;
        c.iss = ack - 1;
        c.cookie = true;
        if (options.timestampPresent()) {
            final int bits = options.timestampEcho() & SynCookies.TS_OPTION_MASK;
            final int wscale = bits & SynCookies.TS_NO_WSCALE;
            negotiate(
                    c,
                    SynCookies.mssOf(mssIndex),
                    wscale == SynCookies.TS_NO_WSCALE ? TcpOptions.ABSENT : wscale,
                    (bits & SynCookies.TS_SACK_BIT) != 0,
                    true);
            c.tsRecent = options.timestampValue();
        } else {
            negotiate(c, SynCookies.mssOf(mssIndex), TcpOptions.ABSENT, false, false);
        }
        c.sndWnd = (long) window << c.sndWndScale;
        c.sndWl1 = seq;
        c.sndWl2 = ack;
        stack.establish(c, now);
        return c;
    }

    /** Resets the oldest idle, else the oldest stalled, connection so a new one gets its slot. */
    private void makeRoom() {
        final TcpConnection victim = connections.evictionCandidate();
        if (victim != null) {
            counters.connectionsEvicted++;
            stack.abort(victim, true);
        }
    }

    private void negotiate(
            TcpConnection c, int peerMss, int peerWindowScale, boolean sackPermitted, boolean timestamps) {
        final int offered = peerMss == TcpOptions.ABSENT ? DEFAULT_MSS : peerMss;
        c.timestamps = timestamps && config.timestamps();
        // The MSS counts payload only: the timestamp option on every segment comes out of it (RFC 7323 §2.3 note, as
        // Linux does).
        c.mss = Math.max(MIN_MSS, Math.min(offered, config.mss()) - (c.timestamps ? TcpOptions.ALIGNED_TIMESTAMP : 0));
        if (peerWindowScale != TcpOptions.ABSENT && config.windowScale() > 0) {
            c.sndWndScale = peerWindowScale;
            c.rcvWndScale = config.windowScale();
        } else {
            c.sndWndScale = 0;
            c.rcvWndScale = 0;
        }
        c.sackPermitted = sackPermitted && config.sack();
    }

    /** A segment for a connection in SYN_RECEIVED (RFC 9293 §3.10.7.4, first checks). */
    void synReceived(
            TcpConnection c,
            MemorySegment frame,
            int seq,
            int ack,
            int flags,
            int window,
            int payloadOffset,
            int payloadLength,
            long now) {
        if ((flags & TcpHeader.FLAG_RST) != 0) {
            if (seq == c.rcvNxt) {
                counters.resetsReceived++;
                stack.release(c);
            }
            return;
        }
        if ((flags & TcpHeader.FLAG_SYN) != 0) {
            if (seq == c.irs) {
                sender.sendSynAck(c, now); // our SYN-ACK was lost
            }
            return;
        }
        if ((flags & TcpHeader.FLAG_ACK) == 0) {
            return;
        }
        if (ack != c.iss + 1) {
            if (!config.synCookies() || cookies.decode(c.key, seq, ack, now) < 0) {
                sender.sendResetFor(
                        c.remoteMac, c.remoteAddress, c.remotePort, c.localPort, seq, ack, flags, payloadLength);
                return;
            }
            // The peer answers the cookie SYN-ACK its first SYN got while the table was full; its
            // resent SYN found room and a queued SYN-ACK of ours. Both sequence numbers were ours:
            // take the one it acknowledged instead of resetting a client we let in.
            c.iss = ack - 1;
        }
        connections.synQueued(-1);
        if (c.synAckRetries == 0) {
            c.rto.onSample(now - c.rttTimedAt);
        }
        timers.cancel(c, TcpTimers.RETRANSMIT);
        c.sndWnd = (long) window << c.sndWndScale;
        c.sndWl1 = seq;
        c.sndWl2 = ack;
        stack.establish(c, now);
        if (c.state == TcpState.ESTABLISHED || c.state == TcpState.FIN_WAIT_1) {
            input.synchronizedArrival(c, frame, seq, ack, flags, window, payloadOffset, payloadLength, now);
        }
    }
}
