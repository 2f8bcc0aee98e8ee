package dev.atlas.server.proto;

import dev.atlas.server.ring.InternetChecksum;
import dev.atlas.server.ring.PacketRing;
import dev.atlas.server.ring.RxSlot;
import dev.atlas.server.ring.TxSlot;
import dev.atlas.server.ring.Wire;
import java.lang.foreign.MemorySegment;

/**
 * The receive side below TCP for one lane: validates Ethernet and IPv4, answers ARP requests
 * for our address and ICMP echo requests (writing replies into the lane's TX ring; the lane's
 * next {@code txSync} sends them), learns neighbours into the {@link ArpTable}, checks TCP
 * header length and checksum, and hands TCP segments to the {@link TcpSegmentHandler}.
 *
 * <p>Anything malformed is counted in {@link FrameCounters} and dropped; this class never
 * throws on frame content and never allocates.
 */
public final class FrameInput {
    private static final int ARP_FRAME_LENGTH = EthernetHeader.LENGTH + ArpPacket.LENGTH;
    private static final int IP_OFFSET = EthernetHeader.LENGTH;
    /** Zeros to pad short replies to the Ethernet minimum (copying from it allocates nothing). */
    private static final MemorySegment PADDING = MemorySegment.ofArray(new byte[EthernetHeader.MIN_FRAME_LENGTH]);

    private final InterfaceAddress address;
    private final ArpTable arpTable;
    private final PacketRing ring;
    private final TcpSegmentHandler tcp;
    private final FrameCounters counters;
    private final TxSlot txSlot = new TxSlot();

    /** An input with its own {@link FrameCounters}. */
    public FrameInput(InterfaceAddress address, ArpTable arpTable, PacketRing ring, TcpSegmentHandler tcp) {
        this(address, arpTable, ring, tcp, new FrameCounters());
    }

    public FrameInput(
            InterfaceAddress address,
            ArpTable arpTable,
            PacketRing ring,
            TcpSegmentHandler tcp,
            FrameCounters counters) {
        this.address = address;
        this.arpTable = arpTable;
        this.ring = ring;
        this.tcp = tcp;
        this.counters = counters;
    }

    public FrameCounters counters() {
        return counters;
    }

    /**
     * Processes one received frame. Returns 1 when it was delivered to TCP or answered, 0 when
     * it was dropped or needed nothing.
     */
    public int onFrame(RxSlot slot, long nowNanos) {
        counters.framesIn++;
        MemorySegment f = slot.frame();
        int at = slot.offset();
        int end = (int) Math.min((long) at + slot.length(), f.byteSize());
        if (end - at < EthernetHeader.LENGTH) {
            counters.truncated++;
            return 0;
        }
        int etherType = EthernetHeader.etherType(f, at);
        long destination = EthernetHeader.destination(f, at);
        if (etherType == EthernetHeader.ETHER_TYPE_IPV4) {
            if (destination != address.mac()) {
                counters.notOurMac++;
                return 0;
            }
            return onIpv4(f, at, end, slot.checksumNotReady(), nowNanos);
        }
        if (etherType == EthernetHeader.ETHER_TYPE_ARP) {
            if (destination != address.mac() && destination != MacAddress.BROADCAST) {
                counters.notOurMac++;
                return 0;
            }
            return onArp(f, at, end);
        }
        counters.unknownEtherType++;
        return 0;
    }

    /** The frame is {@code f[at, end)} (as are all frame offsets below: absolute in {@code f}). */
    private int onArp(MemorySegment f, int at, int end) {
        if (end - at < ARP_FRAME_LENGTH) {
            counters.truncated++;
            return 0;
        }
        long arp = at + IP_OFFSET;
        if (!ArpPacket.isEthernetIpv4(f, arp)) {
            counters.arpIgnored++;
            return 0;
        }
        int operation = ArpPacket.operation(f, arp);
        int senderIp = ArpPacket.senderIp(f, arp);
        long senderMac = ArpPacket.senderMac(f, arp);
        int targetIp = ArpPacket.targetIp(f, arp);
        boolean forUs = targetIp == address.ipv4();
        boolean gratuitousUpdate = senderIp == targetIp && arpTable.lookup(senderIp) != ArpTable.MISSING;
        if (!forUs && !gratuitousUpdate) {
            counters.arpIgnored++;
            return 0;
        }
        if (senderIp != Ipv4Address.ANY && !MacAddress.isGroup(senderMac)) {
            arpTable.learn(senderIp, senderMac);
            counters.arpLearned++;
        }
        if (forUs && operation == ArpPacket.OPERATION_REQUEST) {
            return replyArp(senderMac, senderIp);
        }
        return 0;
    }

    private int replyArp(long requesterMac, int requesterIp) {
        if (!ring.txClaim(txSlot)) {
            counters.txRingFull++;
            return 0;
        }
        MemorySegment out = txSlot.frame();
        EthernetHeader.write(out, 0, requesterMac, address.mac(), EthernetHeader.ETHER_TYPE_ARP);
        ArpPacket.write(
                out, IP_OFFSET, ArpPacket.OPERATION_REPLY, address.mac(), address.ipv4(), requesterMac, requesterIp);
        // Pad to the Ethernet minimum so every backend (and every NIC) sees a legal frame.
        MemorySegment.copy(PADDING, 0, out, ARP_FRAME_LENGTH, EthernetHeader.MIN_FRAME_LENGTH - ARP_FRAME_LENGTH);
        txSlot.length(EthernetHeader.MIN_FRAME_LENGTH);
        ring.txCommit(txSlot);
        counters.arpRequestsAnswered++;
        return 1;
    }

    private int onIpv4(MemorySegment f, int at, int frameEnd, boolean checksumNotReady, long nowNanos) {
        int ip = at + IP_OFFSET;
        if (frameEnd - ip < Ipv4Header.MIN_LENGTH) {
            counters.truncated++;
            return 0;
        }
        if (Ipv4Header.version(f, ip) != Ipv4Header.VERSION) {
            counters.ipv4BadVersion++;
            return 0;
        }
        int headerLength = Ipv4Header.headerLength(f, ip);
        if (headerLength < Ipv4Header.MIN_LENGTH || ip + headerLength > frameEnd) {
            counters.ipv4BadHeaderLength++;
            return 0;
        }
        int totalLength = Ipv4Header.totalLength(f, ip);
        if (totalLength < headerLength || ip + totalLength > frameEnd) {
            counters.ipv4BadTotalLength++;
            return 0;
        }
        // The IPv4 header checksum is always computed in software by the sending kernel, even
        // when the L4 checksum is offloaded, so it is verified regardless of CSUM_NOT_READY.
        if (!Ipv4Header.checksumValid(f, ip)) {
            counters.ipv4BadChecksum++;
            return 0;
        }
        if (Ipv4Header.isFragment(f, ip)) {
            counters.ipv4Fragments++;
            return 0;
        }
        if (Ipv4Header.destination(f, ip) != address.ipv4()) {
            counters.ipv4NotOurAddress++;
            return 0;
        }
        int source = Ipv4Header.source(f, ip);
        if (address.onLink(source)) {
            arpTable.learn(source, EthernetHeader.source(f, at));
        }
        int protocol = Ipv4Header.protocol(f, ip);
        int l4 = ip + headerLength;
        int end = ip + totalLength;
        if (protocol == Ipv4Header.PROTOCOL_TCP) {
            return onTcp(f, ip, l4, end, source, checksumNotReady, nowNanos);
        }
        if (protocol == Ipv4Header.PROTOCOL_ICMP) {
            return onIcmp(f, at, l4, end, checksumNotReady);
        }
        counters.ipv4UnknownProtocol++;
        return 0;
    }

    private int onTcp(
            MemorySegment f, int ip, int tcpOffset, int end, int source, boolean checksumNotReady, long nowNanos) {
        int tcpLength = end - tcpOffset;
        if (tcpLength < TcpHeader.MIN_LENGTH) {
            counters.tcpBadHeaderLength++;
            return 0;
        }
        int headerLength = TcpHeader.headerLength(f, tcpOffset);
        if (headerLength < TcpHeader.MIN_LENGTH || headerLength > tcpLength) {
            counters.tcpBadHeaderLength++;
            return 0;
        }
        if (checksumNotReady) {
            counters.tcpChecksumNotReady++;
        } else if (!TcpHeader.checksumValid(f, tcpOffset, tcpLength, source, address.ipv4())) {
            counters.tcpBadChecksum++;
            return 0;
        }
        counters.tcpDelivered++;
        tcp.onTcpSegment(f, ip, tcpOffset, end, nowNanos);
        return 1;
    }

    private int onIcmp(MemorySegment f, int at, int icmp, int end, boolean checksumNotReady) {
        int icmpLength = end - icmp;
        if (icmpLength < IcmpHeader.LENGTH || IcmpHeader.type(f, icmp) != IcmpHeader.TYPE_ECHO_REQUEST) {
            counters.icmpIgnored++;
            return 0;
        }
        if (!checksumNotReady && !InternetChecksum.verifies(InternetChecksum.sum(f, icmp, icmpLength))) {
            counters.icmpBadChecksum++;
            return 0;
        }
        int frameLength = end - at;
        if (frameLength > ring.slotCapacity()) {
            counters.txTooLarge++;
            return 0;
        }
        if (!ring.txClaim(txSlot)) {
            counters.txRingFull++;
            return 0;
        }
        MemorySegment out = txSlot.frame();
        // Echo the request's options and payload unchanged; only addresses, TTL and type change.
        MemorySegment.copy(f, at, out, 0, frameLength);
        EthernetHeader.destination(out, 0, EthernetHeader.source(f, at));
        EthernetHeader.source(out, 0, address.mac());
        long ip = IP_OFFSET;
        long reply = icmp - at;
        Ipv4Header.destination(out, ip, Ipv4Header.source(f, at + IP_OFFSET));
        Ipv4Header.source(out, ip, address.ipv4());
        Wire.u8(out, ip + Ipv4Header.TTL_OFFSET, Ipv4Header.DEFAULT_TTL);
        Ipv4Header.fillChecksum(out, ip);
        IcmpHeader.type(out, reply, IcmpHeader.TYPE_ECHO_REPLY);
        IcmpHeader.code(out, reply, 0);
        IcmpHeader.checksum(out, reply, 0);
        IcmpHeader.checksum(out, reply, InternetChecksum.checksum(out, reply, icmpLength));
        txSlot.length(Math.max(frameLength, EthernetHeader.MIN_FRAME_LENGTH));
        if (frameLength < EthernetHeader.MIN_FRAME_LENGTH) {
            MemorySegment.copy(PADDING, 0, out, frameLength, EthernetHeader.MIN_FRAME_LENGTH - frameLength);
        }
        ring.txCommit(txSlot);
        counters.icmpEchoAnswered++;
        return 1;
    }
}
