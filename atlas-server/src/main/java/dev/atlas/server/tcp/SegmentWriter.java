package dev.atlas.server.tcp;

import dev.atlas.server.proto.EthernetHeader;
import dev.atlas.server.proto.InterfaceAddress;
import dev.atlas.server.proto.Ipv4Header;
import dev.atlas.server.proto.TcpHeader;
import dev.atlas.server.proto.TcpOptions;
import dev.atlas.server.ring.PacketRing;
import dev.atlas.server.ring.TxSlot;
import java.lang.foreign.MemorySegment;

/**
 * Writes Ethernet + IPv4 + TCP headers (and options) into claimed TX slots and fills the payload
 * from a {@link SendStream}. More than one MSS of payload becomes a TSO/GSO super-frame: the
 * backend (kernel GSO or NIC TSO) cuts it into MSS-sized segments, so the TCP checksum field holds
 * the uncomplemented pseudo-header sum and the slot asks for a partial checksum. A single
 * segment gets its full checksum here, so every backend can send it as is.
 */
final class SegmentWriter {
    static final int IP_OFFSET = EthernetHeader.LENGTH;
    static final int TCP_OFFSET = IP_OFFSET + Ipv4Header.MIN_LENGTH;

    private final InterfaceAddress local;
    private final PacketRing ring;
    private final TcpCounters counters;
    private final TxSlot slot = new TxSlot();
    private int ipIdentification;

    SegmentWriter(InterfaceAddress local, PacketRing ring, TcpCounters counters) {
        this.local = local;
        this.ring = ring;
        this.counters = counters;
    }

    /** Largest payload per frame for {@code mss}: whole segments that fit a slot and an IPv4 datagram. */
    int maxFramePayload(int mss, int configured) {
        final int byIp = Ipv4Header.MAX_TOTAL_LENGTH
                - Ipv4Header.MIN_LENGTH
                - TcpHeader.MIN_LENGTH
                - TcpOptions.ALIGNED_TIMESTAMP;
        final int bySlot = ring.slotCapacity() - TCP_OFFSET - TcpHeader.MIN_LENGTH - TcpOptions.ALIGNED_TIMESTAMP;
        final int max = Math.min(configured, Math.min(byIp, bySlot));
        return Math.max(mss, max / mss * mss);
    }

    /** Sends the frame {@code s} describes. Returns {@code false} when the TX ring is full (nothing was sent). */
    boolean send(Segment s) {
        if (!ring.txClaim(slot)) {
            counters.txRingFull++;
            return false;
        }
        final MemorySegment f = slot.frame();
        EthernetHeader.write(f, 0, s.dstMac, local.mac(), EthernetHeader.ETHER_TYPE_IPV4);
        long at = TCP_OFFSET + TcpHeader.MIN_LENGTH;
        if (s.optMss != Segment.ABSENT) {
            at += TcpOptions.putMss(f, at, s.optMss);
        }
        if (s.optWindowScale != Segment.ABSENT) {
            at += TcpOptions.putNopWindowScale(f, at, s.optWindowScale);
        }
        if (s.optSackPermitted) {
            at += TcpOptions.putNopNopSackPermitted(f, at);
        }
        if (s.optTimestamp) {
            at += TcpOptions.putNopNopTimestamp(f, at, s.tsValue, s.tsEcho);
        }
        final int tcpHeaderLength = (int) (at - TCP_OFFSET);
        final int payloadLength = s.payloadLength;
        final int segmentSize = s.segmentSize;
        final int dstAddress = s.dstAddress;
        final int tcpLength = tcpHeaderLength + payloadLength;
        TcpHeader.write(f, TCP_OFFSET, s.srcPort, s.dstPort, s.seq, s.ack, tcpHeaderLength, s.flags, s.window);
        if (payloadLength > 0) {
            s.payload.fill(s.payloadOffset, f, at, payloadLength);
        }
        Ipv4Header.write(
                f,
                IP_OFFSET,
                Ipv4Header.MIN_LENGTH + tcpLength,
                ipIdentification++ & Ipv4Header.MAX_IDENTIFICATION,
                Ipv4Header.PROTOCOL_TCP,
                local.ipv4(),
                dstAddress);
        final int frameLength = TCP_OFFSET + tcpLength;
        if (payloadLength > segmentSize) {
            TcpHeader.checksum(
                    f, TCP_OFFSET, TcpHeader.offloadPseudoHeaderChecksum(local.ipv4(), dstAddress, tcpLength));
            slot.segmentation(TxSlot.GSO_TCPV4, segmentSize, TCP_OFFSET + tcpHeaderLength)
                    .partialChecksum(TCP_OFFSET, TcpHeader.CHECKSUM_OFFSET);
            counters.segmentsOut += (payloadLength + segmentSize - 1) / segmentSize;
        } else {
            TcpHeader.checksum(
                    f, TCP_OFFSET, TcpHeader.computeChecksum(f, TCP_OFFSET, tcpLength, local.ipv4(), dstAddress));
            counters.segmentsOut++;
        }
        // No padding to 60 bytes: the device pads short frames on the wire.
        slot.length(frameLength);
        ring.txCommit(slot);
        counters.framesOut++;
        counters.payloadBytesOut += payloadLength;
        return true;
    }
}
