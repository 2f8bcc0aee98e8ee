package dev.atlas.server.proto;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import org.junit.jupiter.api.Test;

/** The descriptors' named offsets agree with the wire formats written as MemoryLayouts. */
class HeaderLayoutTest {
    private static long offset(StructLayout l, String field) {
        return l.byteOffset(groupElement(field));
    }

    @Test
    void ethernet() {
        StructLayout l = MemoryLayout.structLayout(
                MemoryLayout.sequenceLayout(6, JAVA_BYTE).withName("dst"),
                MemoryLayout.sequenceLayout(6, JAVA_BYTE).withName("src"),
                JAVA_SHORT.withName("type"));
        assertEquals(EthernetHeader.DESTINATION_OFFSET, offset(l, "dst"));
        assertEquals(EthernetHeader.SOURCE_OFFSET, offset(l, "src"));
        assertEquals(EthernetHeader.ETHER_TYPE_OFFSET, offset(l, "type"));
        assertEquals(EthernetHeader.LENGTH, l.byteSize());
    }

    @Test
    void arp() {
        StructLayout l = MemoryLayout.structLayout(
                JAVA_SHORT.withName("htype"),
                JAVA_SHORT.withName("ptype"),
                JAVA_BYTE.withName("hlen"),
                JAVA_BYTE.withName("plen"),
                JAVA_SHORT.withName("oper"),
                MemoryLayout.sequenceLayout(6, JAVA_BYTE).withName("sha"),
                MemoryLayout.sequenceLayout(4, JAVA_BYTE).withName("spa"),
                MemoryLayout.sequenceLayout(6, JAVA_BYTE).withName("tha"),
                MemoryLayout.sequenceLayout(4, JAVA_BYTE).withName("tpa"));
        assertEquals(ArpPacket.HARDWARE_TYPE_OFFSET, offset(l, "htype"));
        assertEquals(ArpPacket.PROTOCOL_TYPE_OFFSET, offset(l, "ptype"));
        assertEquals(ArpPacket.HARDWARE_LENGTH_OFFSET, offset(l, "hlen"));
        assertEquals(ArpPacket.PROTOCOL_LENGTH_OFFSET, offset(l, "plen"));
        assertEquals(ArpPacket.OPERATION_OFFSET, offset(l, "oper"));
        assertEquals(ArpPacket.SENDER_MAC_OFFSET, offset(l, "sha"));
        assertEquals(ArpPacket.SENDER_IP_OFFSET, offset(l, "spa"));
        assertEquals(ArpPacket.TARGET_MAC_OFFSET, offset(l, "tha"));
        assertEquals(ArpPacket.TARGET_IP_OFFSET, offset(l, "tpa"));
        assertEquals(ArpPacket.LENGTH, l.byteSize());
    }

    @Test
    void ipv4() {
        StructLayout l = MemoryLayout.structLayout(
                JAVA_BYTE.withName("vihl"),
                JAVA_BYTE.withName("tos"),
                JAVA_SHORT.withName("len"),
                JAVA_SHORT.withName("id"),
                JAVA_SHORT.withName("frag"),
                JAVA_BYTE.withName("ttl"),
                JAVA_BYTE.withName("proto"),
                JAVA_SHORT.withName("csum"),
                JAVA_INT.withName("src"),
                JAVA_INT.withName("dst"));
        assertEquals(Ipv4Header.VERSION_IHL_OFFSET, offset(l, "vihl"));
        assertEquals(Ipv4Header.TOS_OFFSET, offset(l, "tos"));
        assertEquals(Ipv4Header.TOTAL_LENGTH_OFFSET, offset(l, "len"));
        assertEquals(Ipv4Header.IDENTIFICATION_OFFSET, offset(l, "id"));
        assertEquals(Ipv4Header.FLAGS_FRAGMENT_OFFSET, offset(l, "frag"));
        assertEquals(Ipv4Header.TTL_OFFSET, offset(l, "ttl"));
        assertEquals(Ipv4Header.PROTOCOL_OFFSET, offset(l, "proto"));
        assertEquals(Ipv4Header.CHECKSUM_OFFSET, offset(l, "csum"));
        assertEquals(Ipv4Header.SOURCE_OFFSET, offset(l, "src"));
        assertEquals(Ipv4Header.DESTINATION_OFFSET, offset(l, "dst"));
        assertEquals(Ipv4Header.MIN_LENGTH, l.byteSize());
    }

    @Test
    void icmp() {
        StructLayout l = MemoryLayout.structLayout(
                JAVA_BYTE.withName("type"),
                JAVA_BYTE.withName("code"),
                JAVA_SHORT.withName("csum"),
                JAVA_SHORT.withName("id"),
                JAVA_SHORT.withName("seq"));
        assertEquals(IcmpHeader.TYPE_OFFSET, offset(l, "type"));
        assertEquals(IcmpHeader.CODE_OFFSET, offset(l, "code"));
        assertEquals(IcmpHeader.CHECKSUM_OFFSET, offset(l, "csum"));
        assertEquals(IcmpHeader.IDENTIFIER_OFFSET, offset(l, "id"));
        assertEquals(IcmpHeader.SEQUENCE_OFFSET, offset(l, "seq"));
        assertEquals(IcmpHeader.LENGTH, l.byteSize());
    }

    @Test
    void tcp() {
        StructLayout l = MemoryLayout.structLayout(
                JAVA_SHORT.withName("sport"),
                JAVA_SHORT.withName("dport"),
                JAVA_INT.withName("seq"),
                JAVA_INT.withName("ack"),
                JAVA_BYTE.withName("doff"),
                JAVA_BYTE.withName("flags"),
                JAVA_SHORT.withName("win"),
                JAVA_SHORT.withName("csum"),
                JAVA_SHORT.withName("urg"));
        assertEquals(TcpHeader.SOURCE_PORT_OFFSET, offset(l, "sport"));
        assertEquals(TcpHeader.DESTINATION_PORT_OFFSET, offset(l, "dport"));
        assertEquals(TcpHeader.SEQUENCE_OFFSET, offset(l, "seq"));
        assertEquals(TcpHeader.ACKNOWLEDGMENT_OFFSET, offset(l, "ack"));
        assertEquals(TcpHeader.DATA_OFFSET_OFFSET, offset(l, "doff"));
        assertEquals(TcpHeader.FLAGS_OFFSET, offset(l, "flags"));
        assertEquals(TcpHeader.WINDOW_OFFSET, offset(l, "win"));
        assertEquals(TcpHeader.CHECKSUM_OFFSET, offset(l, "csum"));
        assertEquals(TcpHeader.URGENT_POINTER_OFFSET, offset(l, "urg"));
        assertEquals(TcpHeader.MIN_LENGTH, l.byteSize());
    }
}
