package dev.atlas.server.proto;

import java.lang.foreign.MemorySegment;

/**
 * Receives TCP segments that {@link FrameInput} has validated (Ethernet, IPv4 header, TCP
 * header length and checksum). Offsets are absolute within {@code frame}; {@code segmentEnd}
 * is the end of the IPv4 datagram, so payload is {@code [tcpOffset + headerLength, segmentEnd)}.
 * The bytes are valid only during the call.
 */
@FunctionalInterface
public interface TcpSegmentHandler {
    void onTcpSegment(MemorySegment frame, int ipOffset, int tcpOffset, int segmentEnd, long nowNanos);
}
