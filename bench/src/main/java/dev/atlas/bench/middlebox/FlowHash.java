package dev.atlas.bench.middlebox;

import dev.atlas.server.proto.ArpPacket;
import dev.atlas.server.proto.EthernetHeader;
import dev.atlas.server.proto.Ipv4Header;
import dev.atlas.server.ring.Wire;
import java.lang.foreign.MemorySegment;

/**
 * Hashes a frame's flow so all frames of one connection share a delay band: the IPv4 5-tuple
 * for TCP and UDP, addresses and protocol for other IPv4, sender and target for ARP.
 */
final class FlowHash {
    private static final int IP = EthernetHeader.LENGTH;
    private static final int PORTS_LENGTH = 4;

    private FlowHash() {}

    /** Hash of the flow of the {@code length}-byte frame at {@code at} of {@code f}. */
    static int of(MemorySegment f, int at, int length) {
        if (length < EthernetHeader.LENGTH) {
            return 0;
        }
        int type = EthernetHeader.etherType(f, at);
        int ip = at + IP;
        if (type == EthernetHeader.ETHER_TYPE_ARP && length >= IP + ArpPacket.LENGTH) {
            return mix(ArpPacket.senderIp(f, ip), ArpPacket.targetIp(f, ip), type);
        }
        if (type != EthernetHeader.ETHER_TYPE_IPV4 || length < IP + Ipv4Header.MIN_LENGTH) {
            return mix(type, 0, 0);
        }
        int protocol = Ipv4Header.protocol(f, ip);
        int source = Ipv4Header.source(f, ip);
        int destination = Ipv4Header.destination(f, ip);
        int l4 = ip + Ipv4Header.headerLength(f, ip);
        boolean hasPorts = (protocol == Ipv4Header.PROTOCOL_TCP || protocol == Ipv4Header.PROTOCOL_UDP)
                && !Ipv4Header.isFragment(f, ip)
                && l4 + PORTS_LENGTH <= at + length;
        int ports = hasPorts ? Wire.u32(f, l4) : 0;
        return mix(source, destination, protocol * 0x0100_0193 ^ ports);
    }

    /** True for IPv4 frames: only they are subject to configured loss. */
    static boolean isIpv4(MemorySegment f, int at, int length) {
        return length >= EthernetHeader.LENGTH && EthernetHeader.etherType(f, at) == EthernetHeader.ETHER_TYPE_IPV4;
    }

    private static int mix(int a, int b, int c) {
        int h = a * 0x9E37_79B1;
        h = Integer.rotateLeft(h ^ b, 13) * 0x85EB_CA6B;
        h = Integer.rotateLeft(h ^ c, 15) * 0xC2B2_AE35;
        return h ^ (h >>> 16);
    }
}
