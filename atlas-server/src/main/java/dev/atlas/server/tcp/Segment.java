package dev.atlas.server.tcp;

/**
 * What one outgoing frame carries, described once and handed to {@link SegmentWriter}: the
 * addressing, the header fields, the options and the payload range of a send stream. One instance
 * per engine is refilled for every frame (fluent setters, no allocation); {@link #to} starts a
 * new description, so nothing of the previous frame leaks into the next.
 */
final class Segment {
    /** An option that is not sent. */
    static final int ABSENT = -1;

    long dstMac;
    int dstAddress;
    int srcPort;
    int dstPort;
    int seq;
    int ack;
    int flags;
    int window;
    /** SYN-ACK only: the MSS we announce, or {@link #ABSENT}. */
    int optMss;
    /** SYN-ACK only: our window scale shift, or {@link #ABSENT}. */
    int optWindowScale;

    boolean optSackPermitted;
    boolean optTimestamp;
    int tsValue;
    int tsEcho;
    SendStream payload;
    long payloadOffset;
    int payloadLength;
    /** The MSS a TSO super-frame is cut into. */
    int segmentSize;

    /** Starts a frame to {@code address:port} from our {@code port} via next hop {@code mac}; everything else is cleared. */
    Segment to(long mac, int address, int fromPort, int toPort) {
        dstMac = mac;
        dstAddress = address;
        srcPort = fromPort;
        dstPort = toPort;
        seq = 0;
        ack = 0;
        flags = 0;
        window = 0;
        optMss = ABSENT;
        optWindowScale = ABSENT;
        optSackPermitted = false;
        optTimestamp = false;
        tsValue = 0;
        tsEcho = 0;
        payload = null;
        payloadOffset = 0;
        payloadLength = 0;
        segmentSize = 0;
        return this;
    }

    /** Starts a frame of connection {@code c} to its peer. */
    Segment of(TcpConnection c) {
        return to(c.remoteMac, c.remoteAddress, c.localPort, c.remotePort).segmentSize(c.mss);
    }

    Segment header(int sequence, int acknowledgment, int tcpFlags, int windowField) {
        seq = sequence;
        ack = acknowledgment;
        flags = tcpFlags;
        window = windowField;
        return this;
    }

    /** The timestamp option (RFC 7323) when {@code present}. */
    Segment timestamp(boolean present, int value, int echo) {
        optTimestamp = present;
        tsValue = value;
        tsEcho = echo;
        return this;
    }

    /** The options only a SYN-ACK carries; {@link #ABSENT} leaves one out. */
    Segment synOptions(int mss, int windowScale, boolean sackPermitted) {
        optMss = mss;
        optWindowScale = windowScale;
        optSackPermitted = sackPermitted;
        return this;
    }

    Segment payload(SendStream stream, long offset, int length) {
        payload = stream;
        payloadOffset = offset;
        payloadLength = length;
        return this;
    }

    Segment segmentSize(int mss) {
        segmentSize = mss;
        return this;
    }
}
