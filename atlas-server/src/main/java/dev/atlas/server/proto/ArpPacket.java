package dev.atlas.server.proto;

import dev.atlas.server.ring.Wire;
import java.lang.foreign.MemorySegment;

/** ARP for IPv4 over Ethernet (RFC 826): descriptor of offsets and static accessors. */
public final class ArpPacket {
    public static final int HARDWARE_TYPE_OFFSET = 0;
    public static final int PROTOCOL_TYPE_OFFSET = 2;
    public static final int HARDWARE_LENGTH_OFFSET = 4;
    public static final int PROTOCOL_LENGTH_OFFSET = 5;
    public static final int OPERATION_OFFSET = 6;
    public static final int SENDER_MAC_OFFSET = 8;
    public static final int SENDER_IP_OFFSET = 14;
    public static final int TARGET_MAC_OFFSET = 18;
    public static final int TARGET_IP_OFFSET = 24;
    public static final int LENGTH = 28;

    public static final int HARDWARE_TYPE_ETHERNET = 1;
    public static final int MAC_LENGTH = 6;
    public static final int IPV4_LENGTH = 4;
    public static final int OPERATION_REQUEST = 1;
    public static final int OPERATION_REPLY = 2;

    private ArpPacket() {}

    /** True when the fixed fields say Ethernet/IPv4 with 6- and 4-byte addresses. */
    public static boolean isEthernetIpv4(MemorySegment s, long arp) {
        return Wire.u16(s, arp + HARDWARE_TYPE_OFFSET) == HARDWARE_TYPE_ETHERNET
                && Wire.u16(s, arp + PROTOCOL_TYPE_OFFSET) == EthernetHeader.ETHER_TYPE_IPV4
                && Wire.u8(s, arp + HARDWARE_LENGTH_OFFSET) == MAC_LENGTH
                && Wire.u8(s, arp + PROTOCOL_LENGTH_OFFSET) == IPV4_LENGTH;
    }

    public static int operation(MemorySegment s, long arp) {
        return Wire.u16(s, arp + OPERATION_OFFSET);
    }

    public static long senderMac(MemorySegment s, long arp) {
        return Wire.u48(s, arp + SENDER_MAC_OFFSET);
    }

    public static int senderIp(MemorySegment s, long arp) {
        return Wire.u32(s, arp + SENDER_IP_OFFSET);
    }

    public static long targetMac(MemorySegment s, long arp) {
        return Wire.u48(s, arp + TARGET_MAC_OFFSET);
    }

    public static int targetIp(MemorySegment s, long arp) {
        return Wire.u32(s, arp + TARGET_IP_OFFSET);
    }

    /** Writes a complete Ethernet/IPv4 ARP packet. */
    public static void write(
            MemorySegment s, long arp, int operation, long senderMac, int senderIp, long targetMac, int targetIp) {
        Wire.u16(s, arp + HARDWARE_TYPE_OFFSET, HARDWARE_TYPE_ETHERNET);
        Wire.u16(s, arp + PROTOCOL_TYPE_OFFSET, EthernetHeader.ETHER_TYPE_IPV4);
        Wire.u8(s, arp + HARDWARE_LENGTH_OFFSET, MAC_LENGTH);
        Wire.u8(s, arp + PROTOCOL_LENGTH_OFFSET, IPV4_LENGTH);
        Wire.u16(s, arp + OPERATION_OFFSET, operation);
        Wire.u48(s, arp + SENDER_MAC_OFFSET, senderMac);
        Wire.u32(s, arp + SENDER_IP_OFFSET, senderIp);
        Wire.u48(s, arp + TARGET_MAC_OFFSET, targetMac);
        Wire.u32(s, arp + TARGET_IP_OFFSET, targetIp);
    }
}
