package dev.atlas.server.tcp;

import dev.atlas.server.proto.InterfaceAddress;
import dev.atlas.server.proto.TcpHeader;
import dev.atlas.server.ring.PacketRing;

/**
 * Builds the engine's frames and puts them on the TX ring: ranges of a connection's send stream
 * (with FIN and PSH where they belong), pure ACKs, window probes, SYN-ACKs (with a SYN cookie or
 * without) and resets. It fills one reusable {@link Segment} per frame and owns what every frame
 * carries: the window we advertise and the timestamp clock.
 */
final class SegmentSender {
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final TcpConfig config;
    private final TcpCounters counters;
    private final TcpTimers timers;
    private final SegmentWriter writer;
    private final Segment segment = new Segment();
    private final int tsOffset;

    SegmentSender(
            InterfaceAddress local,
            PacketRing ring,
            TcpConfig config,
            TcpCounters counters,
            TcpTimers timers,
            int tsOffset) {
        this.config = config;
        this.counters = counters;
        this.timers = timers;
        this.writer = new SegmentWriter(local, ring, counters);
        this.tsOffset = tsOffset;
    }

    /** Largest payload per frame for {@code mss}. */
    int maxFramePayload(int mss) {
        return writer.maxFramePayload(mss, config.maxFramePayload());
    }

    /** Sends stream range {@code [from, to)}; the FIN's virtual byte sets FIN. */
    boolean sendRange(TcpConnection c, long from, long to, long now) {
        final long streamEnd = c.stream.end();
        final int payload = (int) (Math.min(to, streamEnd) - Math.min(from, streamEnd));
        final boolean fin = c.finQueued && to > c.finOffset;
        int flags = TcpHeader.FLAG_ACK;
        if (fin) {
            flags |= TcpHeader.FLAG_FIN;
        }
        if (payload > 0 && Math.min(to, streamEnd) == streamEnd) {
            flags |= TcpHeader.FLAG_PSH;
        }
        if (!writer.send(segment.of(c)
                .header(c.wireSeq(from), c.rcvNxt, flags, windowField(c))
                .timestamp(c.timestamps, clock(now), c.tsRecent)
                .payload(c.stream, from, payload))) {
            return false;
        }
        ackSent(c);
        return true;
    }

    boolean sendAck(TcpConnection c, long now) {
        if (!writer.send(segment.of(c)
                .header(c.wireSeq(c.sndNxt), c.rcvNxt, TcpHeader.FLAG_ACK, windowField(c))
                .timestamp(c.timestamps, clock(now), c.tsRecent))) {
            return false;
        }
        ackSent(c);
        return true;
    }

    /** A zero-window probe: an already-acknowledged sequence number, so the peer answers with its window. */
    void sendWindowProbe(TcpConnection c, long now) {
        writer.send(segment.of(c)
                .header(c.wireSeq(c.sndUna) - 1, c.rcvNxt, TcpHeader.FLAG_ACK, windowField(c))
                .timestamp(c.timestamps, clock(now), c.tsRecent));
    }

    void sendSynAck(TcpConnection c, long now) {
        writer.send(segment.of(c)
                .header(c.iss, c.rcvNxt, TcpHeader.FLAG_SYN | TcpHeader.FLAG_ACK, synWindowField())
                .synOptions(
                        config.mss(),
                        c.rcvWndScale > 0 || c.sndWndScale > 0 ? c.rcvWndScale : Segment.ABSENT,
                        c.sackPermitted)
                .timestamp(c.timestamps, clock(now), c.tsRecent));
    }

    /** A SYN-ACK whose sequence number is a SYN cookie: no connection holds its state. */
    boolean sendCookieSynAck(
            long mac,
            int address,
            int localPort,
            int remotePort,
            int cookie,
            int ack,
            int mss,
            int windowScale,
            boolean sackPermitted,
            boolean timestamps,
            int tsValue,
            int tsEcho) {
        return writer.send(segment.to(mac, address, localPort, remotePort)
                .segmentSize(config.mss())
                .header(cookie, ack, TcpHeader.FLAG_SYN | TcpHeader.FLAG_ACK, synWindowField())
                .synOptions(mss, windowScale, sackPermitted)
                .timestamp(timestamps, tsValue, tsEcho));
    }

    /** RST for a connection we abort. */
    boolean sendReset(TcpConnection c) {
        return writer.send(
                segment.of(c).header(c.wireSeq(c.sndNxt), c.rcvNxt, TcpHeader.FLAG_RST | TcpHeader.FLAG_ACK, 0));
    }

    /** RST for a segment that has no connection (RFC 9293 §3.10.7.1). */
    void sendResetFor(
            long mac, int address, int remotePort, int localPort, int seq, int ack, int flags, int payloadLength) {
        segment.to(mac, address, localPort, remotePort).segmentSize(config.mss());
        if ((flags & TcpHeader.FLAG_ACK) != 0) {
            segment.header(ack, 0, TcpHeader.FLAG_RST, 0);
        } else {
            final int length = payloadLength
                    + ((flags & TcpHeader.FLAG_SYN) != 0 ? 1 : 0)
                    + ((flags & TcpHeader.FLAG_FIN) != 0 ? 1 : 0);
            segment.header(0, seq + length, TcpHeader.FLAG_RST | TcpHeader.FLAG_ACK, 0);
        }
        if (writer.send(segment)) {
            counters.resetsSent++;
        }
    }

    private void ackSent(TcpConnection c) {
        c.ackNow = false;
        c.ackPending = false;
        c.unackedSegments = 0;
        timers.cancel(c, TcpTimers.DELAYED_ACK);
    }

    /**
     * The window arriving segments are checked against: the configured one, not the application's
     * cap, so an ACK riding on bytes the application cannot take yet is still processed (the bytes
     * are then refused by {@link TcpApplication#onData} and sent again).
     */
    long acceptanceWindow(TcpConnection c) {
        return (long) Math.min(TcpHeader.MAX_WINDOW_FIELD, config.receiveWindow() >> c.rcvWndScale) << c.rcvWndScale;
    }

    /** The window field we advertise: the configured window capped by what the application can still hold. */
    private int windowField(TcpConnection c) {
        // Scaled units round down, and a unit less: the right edge may then move back by under a
        // unit, but bytes sent up to any edge advertised still fit the application's limit.
        final long unitSlack = (1L << c.rcvWndScale) - 1;
        final long window = Math.min(config.receiveWindow(), Math.max(0, c.receiveLimit - unitSlack));
        return (int) Math.min(TcpHeader.MAX_WINDOW_FIELD, window >> c.rcvWndScale);
    }

    /** A SYN-ACK's window is never scaled (RFC 7323 §2.2). */
    int synWindowField() {
        return Math.min(TcpHeader.MAX_WINDOW_FIELD, config.receiveWindow());
    }

    /** The timestamp clock: milliseconds, offset per stack (RFC 7323 §5.4). */
    int clock(long now) {
        return (int) (now / NANOS_PER_MILLI) + tsOffset;
    }
}
