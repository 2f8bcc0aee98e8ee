package dev.atlas.server.proto;

import dev.atlas.server.ring.Wire;
import java.lang.foreign.MemorySegment;

/** ICMP echo header (RFC 792): descriptor of offsets and static accessors. */
public final class IcmpHeader {
    public static final int TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = 1;
    public static final int CHECKSUM_OFFSET = 2;
    public static final int IDENTIFIER_OFFSET = 4;
    public static final int SEQUENCE_OFFSET = 6;
    public static final int LENGTH = 8;

    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_DESTINATION_UNREACHABLE = 3;
    public static final int TYPE_ECHO_REQUEST = 8;

    private IcmpHeader() {}

    public static int type(MemorySegment s, long icmp) {
        return Wire.u8(s, icmp + TYPE_OFFSET);
    }

    public static void type(MemorySegment s, long icmp, int type) {
        Wire.u8(s, icmp + TYPE_OFFSET, type);
    }

    public static int code(MemorySegment s, long icmp) {
        return Wire.u8(s, icmp + CODE_OFFSET);
    }

    public static void code(MemorySegment s, long icmp, int code) {
        Wire.u8(s, icmp + CODE_OFFSET, code);
    }

    public static int checksum(MemorySegment s, long icmp) {
        return Wire.u16(s, icmp + CHECKSUM_OFFSET);
    }

    public static void checksum(MemorySegment s, long icmp, int checksum) {
        Wire.u16(s, icmp + CHECKSUM_OFFSET, checksum);
    }

    public static int identifier(MemorySegment s, long icmp) {
        return Wire.u16(s, icmp + IDENTIFIER_OFFSET);
    }

    public static int sequence(MemorySegment s, long icmp) {
        return Wire.u16(s, icmp + SEQUENCE_OFFSET);
    }
}
