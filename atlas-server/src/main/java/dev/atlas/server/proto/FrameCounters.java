package dev.atlas.server.proto;

/**
 * Per-lane counters of {@link FrameInput}: plain {@code long} fields, written only by the lane
 * thread and read (racily, which is fine for metrics) by the management plane.
 */
public final class FrameCounters {
    /** Every frame offered. */
    public long framesIn;
    /** Shorter than an Ethernet header or than the header its EtherType announces. */
    public long truncated;
    /** Destination MAC neither ours nor broadcast (for ARP). */
    public long notOurMac;
    /** EtherType other than IPv4 and ARP (IPv6 included, for now). */
    public long unknownEtherType;

    public long arpRequestsAnswered;
    public long arpLearned;
    /** ARP for other hardware/protocol types, or not addressed to us. */
    public long arpIgnored;

    public long ipv4BadVersion;
    public long ipv4BadHeaderLength;
    /** Total length shorter than the header or longer than the frame. */
    public long ipv4BadTotalLength;

    public long ipv4BadChecksum;
    /** Fragments are not reassembled: our peers use PMTU discovery and DF. */
    public long ipv4Fragments;

    public long ipv4NotOurAddress;
    public long ipv4UnknownProtocol;

    public long icmpEchoAnswered;
    public long icmpBadChecksum;
    /** ICMP other than echo request, or too short. */
    public long icmpIgnored;

    public long tcpBadHeaderLength;
    public long tcpBadChecksum;
    /** Segments accepted without verification because the sender offloaded the checksum. */
    public long tcpChecksumNotReady;

    public long tcpDelivered;

    /** A reply (ARP, ICMP) was dropped because the TX ring was full. */
    public long txRingFull;
    /** A reply did not fit in a TX slot. */
    public long txTooLarge;

    /** Sum of all drop reasons, for a single "dropped" metric. */
    public long dropped() {
        return truncated
                + notOurMac
                + unknownEtherType
                + arpIgnored
                + ipv4BadVersion
                + ipv4BadHeaderLength
                + ipv4BadTotalLength
                + ipv4BadChecksum
                + ipv4Fragments
                + ipv4NotOurAddress
                + ipv4UnknownProtocol
                + icmpBadChecksum
                + icmpIgnored
                + tcpBadHeaderLength
                + tcpBadChecksum;
    }

    @Override
    public String toString() {
        return "frames in " + framesIn + ", tcp delivered " + tcpDelivered + ", arp answered " + arpRequestsAnswered
                + ", icmp echo answered " + icmpEchoAnswered + ", dropped " + dropped()
                + " (truncated " + truncated + ", not our mac " + notOurMac + ", unknown ethertype " + unknownEtherType
                + ", ipv4 bad checksum " + ipv4BadChecksum + ", fragments " + ipv4Fragments
                + ", not our address " + ipv4NotOurAddress + ", tcp bad checksum " + tcpBadChecksum + ")";
    }
}
