package dev.atlas.server.proto;

import dev.atlas.server.ring.InternetChecksum;
import dev.atlas.server.ring.Wire;
import java.lang.foreign.MemorySegment;

/** Builds well-formed frames for tests (as a peer's kernel would send them). */
public final class TestFrames {
    public static final int ETH = EthernetHeader.LENGTH;
    public static final int TCP = ETH + Ipv4Header.MIN_LENGTH;

    private TestFrames() {}

    /** An ARP request from {@code (mac, ip)} asking for {@code target}; returns the frame length. */
    public static int arpRequest(MemorySegment f, long mac, int ip, int target) {
        EthernetHeader.write(f, 0, MacAddress.BROADCAST, mac, EthernetHeader.ETHER_TYPE_ARP);
        ArpPacket.write(f, ETH, ArpPacket.OPERATION_REQUEST, mac, ip, MacAddress.ZERO, target);
        return ETH + ArpPacket.LENGTH;
    }

    /** An ICMP echo request with {@code payload} bytes of pattern; returns the frame length. */
    public static int echoRequest(
            MemorySegment f, long srcMac, long dstMac, int src, int dst, int id, int seq, int payload) {
        EthernetHeader.write(f, 0, dstMac, srcMac, EthernetHeader.ETHER_TYPE_IPV4);
        int icmpLength = IcmpHeader.LENGTH + payload;
        Ipv4Header.write(f, ETH, Ipv4Header.MIN_LENGTH + icmpLength, 1, Ipv4Header.PROTOCOL_ICMP, src, dst);
        long icmp = TCP;
        IcmpHeader.type(f, icmp, IcmpHeader.TYPE_ECHO_REQUEST);
        IcmpHeader.code(f, icmp, 0);
        Wire.u16(f, icmp + IcmpHeader.IDENTIFIER_OFFSET, id);
        Wire.u16(f, icmp + IcmpHeader.SEQUENCE_OFFSET, seq);
        for (int i = 0; i < payload; i++) {
            Wire.u8(f, icmp + IcmpHeader.LENGTH + i, i);
        }
        IcmpHeader.checksum(f, icmp, 0);
        IcmpHeader.checksum(f, icmp, InternetChecksum.checksum(f, icmp, icmpLength));
        return ETH + Ipv4Header.MIN_LENGTH + icmpLength;
    }

    /**
     * A TCP segment with a 20-byte header and {@code payload} bytes where byte i is
     * {@code (seq + i) mod 251}; full checksum filled unless {@code offloadPseudo}, in which
     * case the field holds the offload pseudo-header sum. Returns the frame length.
     */
    public static int tcpSegment(
            MemorySegment f,
            long srcMac,
            long dstMac,
            int src,
            int dst,
            int srcPort,
            int dstPort,
            int seq,
            int ack,
            int flags,
            int payload,
            boolean offloadPseudo) {
        EthernetHeader.write(f, 0, dstMac, srcMac, EthernetHeader.ETHER_TYPE_IPV4);
        int tcpLength = TcpHeader.MIN_LENGTH + payload;
        Ipv4Header.write(f, ETH, Ipv4Header.MIN_LENGTH + tcpLength, 7, Ipv4Header.PROTOCOL_TCP, src, dst);
        TcpHeader.write(f, TCP, srcPort, dstPort, seq, ack, TcpHeader.MIN_LENGTH, flags, 65535);
        for (int i = 0; i < payload; i++) {
            Wire.u8(f, TCP + TcpHeader.MIN_LENGTH + i, (int) Integer.remainderUnsigned(seq + i, 251));
        }
        if (offloadPseudo) {
            TcpHeader.checksum(f, TCP, TcpHeader.offloadPseudoHeaderChecksum(src, dst, tcpLength));
        } else {
            TcpHeader.checksum(f, TCP, TcpHeader.computeChecksum(f, TCP, tcpLength, src, dst));
        }
        return TCP + tcpLength;
    }
}
