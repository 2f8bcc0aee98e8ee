package dev.atlas.server.ring.afpacket;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import org.junit.jupiter.api.Test;

/** TpacketDescriptor's offsets agree with the kernel structs written as MemoryLayouts. */
class TpacketLayoutTest {
    private static long at(StructLayout l, String field) {
        return l.byteOffset(groupElement(field));
    }

    @Test
    void tpacket3Header() {
        StructLayout l = MemoryLayout.structLayout(
                JAVA_INT.withName("tp_next_offset"),
                JAVA_INT.withName("tp_sec"),
                JAVA_INT.withName("tp_nsec"),
                JAVA_INT.withName("tp_snaplen"),
                JAVA_INT.withName("tp_len"),
                JAVA_INT.withName("tp_status"),
                JAVA_SHORT.withName("tp_mac"),
                JAVA_SHORT.withName("tp_net"),
                JAVA_INT.withName("tp_rxhash"),
                JAVA_INT.withName("tp_vlan_tci"),
                JAVA_SHORT.withName("tp_vlan_tpid"),
                JAVA_SHORT.withName("pad"),
                MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("tp_padding"));
        assertEquals(TpacketDescriptor.V3_NEXT_OFFSET, at(l, "tp_next_offset"));
        assertEquals(TpacketDescriptor.V3_SNAPLEN, at(l, "tp_snaplen"));
        assertEquals(TpacketDescriptor.V3_LEN, at(l, "tp_len"));
        assertEquals(TpacketDescriptor.V3_STATUS, at(l, "tp_status"));
        assertEquals(TpacketDescriptor.V3_MAC, at(l, "tp_mac"));
        assertEquals(TpacketDescriptor.V3_NET, at(l, "tp_net"));
        assertEquals(TpacketDescriptor.V3_RXHASH, at(l, "tp_rxhash"));
        assertEquals(TpacketDescriptor.V3_HDR_SIZE, l.byteSize());
    }

    @Test
    void blockDescriptor() {
        StructLayout ts = MemoryLayout.structLayout(JAVA_INT.withName("sec"), JAVA_INT.withName("nsec"));
        StructLayout l = MemoryLayout.structLayout(
                JAVA_INT.withName("version"),
                JAVA_INT.withName("offset_to_priv"),
                JAVA_INT.withName("block_status"),
                JAVA_INT.withName("num_pkts"),
                JAVA_INT.withName("offset_to_first_pkt"),
                JAVA_INT.withName("blk_len"),
                JAVA_LONG.withName("seq_num"),
                ts.withName("ts_first_pkt"),
                ts.withName("ts_last_pkt"));
        assertEquals(TpacketDescriptor.BLOCK_STATUS, at(l, "block_status"));
        assertEquals(TpacketDescriptor.BLOCK_NUM_PKTS, at(l, "num_pkts"));
        assertEquals(TpacketDescriptor.BLOCK_OFFSET_TO_FIRST_PKT, at(l, "offset_to_first_pkt"));
        assertEquals(TpacketDescriptor.BLOCK_LEN, at(l, "blk_len"));
        assertEquals(TpacketDescriptor.BLOCK_SEQ_NUM, at(l, "seq_num"));
        assertEquals(TpacketDescriptor.BLOCK_DESC_SIZE, l.byteSize());
    }

    @Test
    void tpacket2HeaderRequestsSockaddrAndVnet() {
        StructLayout v2 = MemoryLayout.structLayout(
                JAVA_INT.withName("tp_status"),
                JAVA_INT.withName("tp_len"),
                JAVA_INT.withName("tp_snaplen"),
                JAVA_SHORT.withName("tp_mac"),
                JAVA_SHORT.withName("tp_net"),
                JAVA_INT.withName("tp_sec"),
                JAVA_INT.withName("tp_nsec"),
                JAVA_SHORT.withName("tp_vlan_tci"),
                JAVA_SHORT.withName("tp_vlan_tpid"),
                MemoryLayout.sequenceLayout(4, JAVA_BYTE).withName("tp_padding"));
        assertEquals(TpacketDescriptor.V2_STATUS, at(v2, "tp_status"));
        assertEquals(TpacketDescriptor.V2_LEN, at(v2, "tp_len"));
        assertEquals(TpacketDescriptor.V2_MAC, at(v2, "tp_mac"));
        assertEquals(TpacketDescriptor.V2_HDR_SIZE, v2.byteSize());

        StructLayout req3 = MemoryLayout.structLayout(
                JAVA_INT.withName("bs"),
                JAVA_INT.withName("bn"),
                JAVA_INT.withName("fs"),
                JAVA_INT.withName("fn"),
                JAVA_INT.withName("tov"),
                JAVA_INT.withName("priv"),
                JAVA_INT.withName("feat"));
        assertEquals(TpacketDescriptor.REQ3_RETIRE_BLK_TOV, at(req3, "tov"));
        assertEquals(TpacketDescriptor.REQ3_SIZE, req3.byteSize());

        StructLayout sll = MemoryLayout.structLayout(
                JAVA_SHORT.withName("family"),
                JAVA_SHORT.withName("protocol"),
                JAVA_INT.withName("ifindex"),
                JAVA_SHORT.withName("hatype"),
                JAVA_BYTE.withName("pkttype"),
                JAVA_BYTE.withName("halen"),
                MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("addr"));
        assertEquals(TpacketDescriptor.SLL_IFINDEX, at(sll, "ifindex"));
        assertEquals(TpacketDescriptor.SLL_PKTTYPE, at(sll, "pkttype"));
        assertEquals(TpacketDescriptor.SLL_SIZE, sll.byteSize());
        // The V3 frame header is followed by its sockaddr_ll at the 16-byte-aligned end.
        assertEquals(TpacketDescriptor.V3_HDR_SIZE + TpacketDescriptor.SLL_PKTTYPE, TpacketDescriptor.V3_SLL_PKTTYPE);

        StructLayout vnet = MemoryLayout.structLayout(
                JAVA_BYTE.withName("flags"),
                JAVA_BYTE.withName("gso_type"),
                JAVA_SHORT.withName("hdr_len"),
                JAVA_SHORT.withName("gso_size"),
                JAVA_SHORT.withName("csum_start"),
                JAVA_SHORT.withName("csum_offset"));
        assertEquals(TpacketDescriptor.VNET_GSO_TYPE, at(vnet, "gso_type"));
        assertEquals(TpacketDescriptor.VNET_HDR_LEN, at(vnet, "hdr_len"));
        assertEquals(TpacketDescriptor.VNET_GSO_SIZE, at(vnet, "gso_size"));
        assertEquals(TpacketDescriptor.VNET_CSUM_START, at(vnet, "csum_start"));
        assertEquals(TpacketDescriptor.VNET_CSUM_OFFSET, at(vnet, "csum_offset"));
        assertEquals(TpacketDescriptor.VNET_HDR_SIZE, vnet.byteSize());
    }
}
