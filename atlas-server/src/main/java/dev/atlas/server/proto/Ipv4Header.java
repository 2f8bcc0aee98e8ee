package dev.atlas.server.proto;

import dev.atlas.server.ring.InternetChecksum;
import dev.atlas.server.ring.Wire;
import java.lang.foreign.MemorySegment;

/** IPv4 header (RFC 791): descriptor of offsets and static accessors. */
public final class Ipv4Header {
    public static final int VERSION_IHL_OFFSET = 0;
    public static final int TOS_OFFSET = 1;
    public static final int TOTAL_LENGTH_OFFSET = 2;
    public static final int IDENTIFICATION_OFFSET = 4;
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    public static final int TTL_OFFSET = 8;
    public static final int PROTOCOL_OFFSET = 9;
    public static final int CHECKSUM_OFFSET = 10;
    public static final int SOURCE_OFFSET = 12;
    public static final int DESTINATION_OFFSET = 16;
    /** Header length without options. */
    public static final int MIN_LENGTH = 20;
    /** Header length with the most options (IHL 15). */
    public static final int MAX_LENGTH = 60;

    public static final int MAX_TOTAL_LENGTH = 0xFFFF;
    /** The identification field is 16 bits. */
    public static final int MAX_IDENTIFICATION = 0xFFFF;

    public static final int VERSION = 4;
    public static final int IHL_WORDS_NO_OPTIONS = 5;
    public static final int PROTOCOL_ICMP = 1;
    public static final int PROTOCOL_TCP = 6;
    public static final int PROTOCOL_UDP = 17;
    public static final int FLAG_DONT_FRAGMENT = 0x4000;
    public static final int FLAG_MORE_FRAGMENTS = 0x2000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1FFF;
    public static final int DEFAULT_TTL = 64;

    private Ipv4Header() {}

    public static int version(MemorySegment s, long ip) {
        return Wire.u8(s, ip + VERSION_IHL_OFFSET) >>> 4;
    }

    /** Header length in bytes (IHL × 4). */
    public static int headerLength(MemorySegment s, long ip) {
        return (Wire.u8(s, ip + VERSION_IHL_OFFSET) & 0x0F) * Integer.BYTES;
    }

    public static int totalLength(MemorySegment s, long ip) {
        return Wire.u16(s, ip + TOTAL_LENGTH_OFFSET);
    }

    public static void totalLength(MemorySegment s, long ip, int length) {
        Wire.u16(s, ip + TOTAL_LENGTH_OFFSET, length);
    }

    public static int identification(MemorySegment s, long ip) {
        return Wire.u16(s, ip + IDENTIFICATION_OFFSET);
    }

    public static void identification(MemorySegment s, long ip, int id) {
        Wire.u16(s, ip + IDENTIFICATION_OFFSET, id);
    }

    public static int flagsAndFragment(MemorySegment s, long ip) {
        return Wire.u16(s, ip + FLAGS_FRAGMENT_OFFSET);
    }

    /** True for any fragment: more-fragments set or a non-zero offset. */
    public static boolean isFragment(MemorySegment s, long ip) {
        return (flagsAndFragment(s, ip) & (FLAG_MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) != 0;
    }

    public static int ttl(MemorySegment s, long ip) {
        return Wire.u8(s, ip + TTL_OFFSET);
    }

    public static int protocol(MemorySegment s, long ip) {
        return Wire.u8(s, ip + PROTOCOL_OFFSET);
    }

    public static int checksum(MemorySegment s, long ip) {
        return Wire.u16(s, ip + CHECKSUM_OFFSET);
    }

    public static void checksum(MemorySegment s, long ip, int checksum) {
        Wire.u16(s, ip + CHECKSUM_OFFSET, checksum);
    }

    public static int source(MemorySegment s, long ip) {
        return Wire.u32(s, ip + SOURCE_OFFSET);
    }

    public static void source(MemorySegment s, long ip, int address) {
        Wire.u32(s, ip + SOURCE_OFFSET, address);
    }

    public static int destination(MemorySegment s, long ip) {
        return Wire.u32(s, ip + DESTINATION_OFFSET);
    }

    public static void destination(MemorySegment s, long ip, int address) {
        Wire.u32(s, ip + DESTINATION_OFFSET, address);
    }

    /** True when the header (of {@link #headerLength}) sums to all ones. */
    public static boolean checksumValid(MemorySegment s, long ip) {
        return InternetChecksum.verifies(InternetChecksum.sum(s, ip, headerLength(s, ip)));
    }

    /** Recomputes and stores the header checksum. */
    public static void fillChecksum(MemorySegment s, long ip) {
        checksum(s, ip, 0);
        checksum(s, ip, InternetChecksum.checksum(s, ip, headerLength(s, ip)));
    }

    /**
     * Writes an option-less header (DF set, TTL 64) and its checksum.
     * Returns the header length, {@link #MIN_LENGTH}.
     */
    public static int write(
            MemorySegment s, long ip, int totalLength, int identification, int protocol, int source, int destination) {
        Wire.u8(s, ip + VERSION_IHL_OFFSET, (VERSION << 4) | IHL_WORDS_NO_OPTIONS);
        Wire.u8(s, ip + TOS_OFFSET, 0);
        totalLength(s, ip, totalLength);
        identification(s, ip, identification);
        Wire.u16(s, ip + FLAGS_FRAGMENT_OFFSET, FLAG_DONT_FRAGMENT);
        Wire.u8(s, ip + TTL_OFFSET, DEFAULT_TTL);
        Wire.u8(s, ip + PROTOCOL_OFFSET, protocol);
        source(s, ip, source);
        destination(s, ip, destination);
        fillChecksum(s, ip);
        return MIN_LENGTH;
    }
}
