package dev.atlas.server.ring.afpacket;

/**
 * Offsets and constants of the kernel's packet-ring structures ({@code linux/if_packet.h},
 * {@code linux/virtio_net.h}); checked against {@code MemoryLayout}s in a test.
 */
final class TpacketDescriptor {
    // setsockopt(SOL_PACKET, …) option names.
    static final int PACKET_RX_RING = 5;
    static final int PACKET_STATISTICS = 6;
    static final int PACKET_VERSION = 10;
    static final int PACKET_TX_RING = 13;
    static final int PACKET_LOSS = 14;
    static final int PACKET_VNET_HDR = 15;
    static final int PACKET_FANOUT = 18;
    static final int PACKET_QDISC_BYPASS = 20;
    static final int PACKET_IGNORE_OUTGOING = 23;

    static final int TPACKET_V2 = 1;
    static final int TPACKET_V3 = 2;
    static final int PACKET_FANOUT_HASH = 0;
    static final int FANOUT_TYPE_SHIFT = 16;
    static final int PACKET_OUTGOING = 4;

    /** Ring frames and blocks are aligned to this. */
    static final int TPACKET_ALIGNMENT = 16;

    // struct tpacket_req3 (RX, V3): seven u32.
    static final int REQ3_BLOCK_SIZE = 0;
    static final int REQ3_BLOCK_NR = 4;
    static final int REQ3_FRAME_SIZE = 8;
    static final int REQ3_FRAME_NR = 12;
    static final int REQ3_RETIRE_BLK_TOV = 16;
    static final int REQ3_SIZEOF_PRIV = 20;
    static final int REQ3_FEATURE_REQ_WORD = 24;
    static final int REQ3_SIZE = 28;

    // struct tpacket_req (V2 RX and TX): four u32.
    static final int REQ_BLOCK_SIZE = 0;
    static final int REQ_BLOCK_NR = 4;
    static final int REQ_FRAME_SIZE = 8;
    static final int REQ_FRAME_NR = 12;
    static final int REQ_SIZE = 16;

    // struct tpacket_block_desc with struct tpacket_hdr_v1 (V3 RX block header).
    static final int BLOCK_VERSION = 0;
    static final int BLOCK_OFFSET_TO_PRIV = 4;
    static final int BLOCK_STATUS = 8;
    static final int BLOCK_NUM_PKTS = 12;
    static final int BLOCK_OFFSET_TO_FIRST_PKT = 16;
    static final int BLOCK_LEN = 20;
    static final int BLOCK_SEQ_NUM = 24;
    static final int BLOCK_DESC_SIZE = 48;

    // struct tpacket3_hdr (V3 RX frame header), followed by a struct sockaddr_ll at its aligned end.
    static final int V3_NEXT_OFFSET = 0;
    static final int V3_SEC = 4;
    static final int V3_NSEC = 8;
    static final int V3_SNAPLEN = 12;
    static final int V3_LEN = 16;
    static final int V3_STATUS = 20;
    static final int V3_MAC = 24;
    static final int V3_NET = 26;
    static final int V3_RXHASH = 28;
    static final int V3_HDR_SIZE = 48;
    /** {@code sll_pkttype} of the sockaddr_ll that follows the V3 header. */
    static final int V3_SLL_PKTTYPE = V3_HDR_SIZE + 10;

    // struct tpacket2_hdr (V2 RX and TX frame header), followed on RX by a struct sockaddr_ll at its aligned end.
    static final int V2_STATUS = 0;
    static final int V2_LEN = 4;
    static final int V2_SNAPLEN = 8;
    static final int V2_MAC = 12;
    static final int V2_NET = 14;
    static final int V2_HDR_SIZE = 32;
    /** {@code sll_pkttype} of the sockaddr_ll that follows the V2 header of a received frame. */
    static final int V2_SLL_PKTTYPE = V2_HDR_SIZE + 10;
    /** Where TX data starts in a V2 frame: {@code TPACKET2_HDRLEN - sizeof(struct sockaddr_ll)}. */
    static final int V2_TX_DATA_OFFSET = 32;
    /** The kernel needs this much slack beyond {@code tp_len} in a TX frame (verified: FACTS). */
    static final int V2_TX_FRAME_OVERHEAD = 32;

    // Status words.
    static final int TP_STATUS_KERNEL = 0;
    static final int TP_STATUS_USER = 1;
    static final int TP_STATUS_LOSING = 1 << 2;
    static final int TP_STATUS_CSUMNOTREADY = 1 << 3;
    static final int TP_STATUS_CSUM_VALID = 1 << 7;
    static final int TP_STATUS_AVAILABLE = 0;
    static final int TP_STATUS_SEND_REQUEST = 1;
    static final int TP_STATUS_SENDING = 2;
    static final int TP_STATUS_WRONG_FORMAT = 4;

    // struct virtio_net_hdr (host byte order, little-endian here).
    static final int VNET_FLAGS = 0;
    static final int VNET_GSO_TYPE = 1;
    static final int VNET_HDR_LEN = 2;
    static final int VNET_GSO_SIZE = 4;
    static final int VNET_CSUM_START = 6;
    static final int VNET_CSUM_OFFSET = 8;
    static final int VNET_HDR_SIZE = 10;
    static final int VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;

    // struct sockaddr_ll.
    static final int SLL_FAMILY = 0;
    static final int SLL_PROTOCOL = 2;
    static final int SLL_IFINDEX = 4;
    static final int SLL_HATYPE = 8;
    static final int SLL_PKTTYPE = 10;
    static final int SLL_HALEN = 11;
    static final int SLL_ADDR = 12;
    static final int SLL_SIZE = 20;

    // struct tpacket_stats_v3.
    static final int STATS_PACKETS = 0;
    static final int STATS_DROPS = 4;
    static final int STATS_FREEZE_Q_CNT = 8;
    static final int STATS_V3_SIZE = 12;

    private TpacketDescriptor() {}
}
