package dev.atlas.server.proto;

import dev.atlas.server.ring.Wire;
import java.lang.foreign.MemorySegment;

/** Ethernet II header (no VLAN tag): descriptor of offsets and static accessors. */
public final class EthernetHeader {
    public static final int DESTINATION_OFFSET = 0;
    public static final int SOURCE_OFFSET = 6;
    public static final int ETHER_TYPE_OFFSET = 12;
    /** Header length; the IP header follows. */
    public static final int LENGTH = 14;
    /** Shortest frame on the wire without the FCS; shorter ones are padded by the sender. */
    public static final int MIN_FRAME_LENGTH = 60;

    public static final int ETHER_TYPE_IPV4 = 0x0800;
    public static final int ETHER_TYPE_ARP = 0x0806;
    public static final int ETHER_TYPE_IPV6 = 0x86DD;

    private EthernetHeader() {}

    public static long destination(MemorySegment s, long frame) {
        return Wire.u48(s, frame + DESTINATION_OFFSET);
    }

    public static void destination(MemorySegment s, long frame, long mac) {
        Wire.u48(s, frame + DESTINATION_OFFSET, mac);
    }

    public static long source(MemorySegment s, long frame) {
        return Wire.u48(s, frame + SOURCE_OFFSET);
    }

    public static void source(MemorySegment s, long frame, long mac) {
        Wire.u48(s, frame + SOURCE_OFFSET, mac);
    }

    public static int etherType(MemorySegment s, long frame) {
        return Wire.u16(s, frame + ETHER_TYPE_OFFSET);
    }

    public static void etherType(MemorySegment s, long frame, int type) {
        Wire.u16(s, frame + ETHER_TYPE_OFFSET, type);
    }

    /** Writes the whole header in one go. */
    public static void write(MemorySegment s, long frame, long destination, long source, int etherType) {
        destination(s, frame, destination);
        source(s, frame, source);
        etherType(s, frame, etherType);
    }
}
