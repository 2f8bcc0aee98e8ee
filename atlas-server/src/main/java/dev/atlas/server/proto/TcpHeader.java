package dev.atlas.server.proto;

import dev.atlas.server.ring.InternetChecksum;
import dev.atlas.server.ring.Wire;
import java.lang.foreign.MemorySegment;

/**
 * TCP header (RFC 9293): descriptor of offsets and static accessors. Options are read with
 * {@link TcpOptions} and written with its {@code put…} helpers.
 */
public final class TcpHeader {
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int SEQUENCE_OFFSET = 4;
    public static final int ACKNOWLEDGMENT_OFFSET = 8;
    /** Upper nibble: header length in 32-bit words. */
    public static final int DATA_OFFSET_OFFSET = 12;

    public static final int FLAGS_OFFSET = 13;
    public static final int WINDOW_OFFSET = 14;
    public static final int CHECKSUM_OFFSET = 16;
    public static final int URGENT_POINTER_OFFSET = 18;
    public static final int MIN_LENGTH = 20;
    public static final int MAX_LENGTH = 60;
    /** Largest value of the 16-bit window field (before scaling). */
    public static final int MAX_WINDOW_FIELD = 0xFFFF;

    public static final int FLAG_FIN = 0x01;
    public static final int FLAG_SYN = 0x02;
    public static final int FLAG_RST = 0x04;
    public static final int FLAG_PSH = 0x08;
    public static final int FLAG_ACK = 0x10;
    public static final int FLAG_URG = 0x20;
    public static final int FLAG_ECE = 0x40;
    public static final int FLAG_CWR = 0x80;

    private static final int DATA_OFFSET_SHIFT = 4;

    private TcpHeader() {}

    public static int sourcePort(MemorySegment s, long tcp) {
        return Wire.u16(s, tcp + SOURCE_PORT_OFFSET);
    }

    public static void sourcePort(MemorySegment s, long tcp, int port) {
        Wire.u16(s, tcp + SOURCE_PORT_OFFSET, port);
    }

    public static int destinationPort(MemorySegment s, long tcp) {
        return Wire.u16(s, tcp + DESTINATION_PORT_OFFSET);
    }

    public static void destinationPort(MemorySegment s, long tcp, int port) {
        Wire.u16(s, tcp + DESTINATION_PORT_OFFSET, port);
    }

    public static int sequence(MemorySegment s, long tcp) {
        return Wire.u32(s, tcp + SEQUENCE_OFFSET);
    }

    public static void sequence(MemorySegment s, long tcp, int seq) {
        Wire.u32(s, tcp + SEQUENCE_OFFSET, seq);
    }

    public static int acknowledgment(MemorySegment s, long tcp) {
        return Wire.u32(s, tcp + ACKNOWLEDGMENT_OFFSET);
    }

    public static void acknowledgment(MemorySegment s, long tcp, int ack) {
        Wire.u32(s, tcp + ACKNOWLEDGMENT_OFFSET, ack);
    }

    /** Header length in bytes, options included. */
    public static int headerLength(MemorySegment s, long tcp) {
        return (Wire.u8(s, tcp + DATA_OFFSET_OFFSET) >>> DATA_OFFSET_SHIFT) * Integer.BYTES;
    }

    /** Sets the header length in bytes (a multiple of 4, 20..60). */
    public static void headerLength(MemorySegment s, long tcp, int bytes) {
        Wire.u8(s, tcp + DATA_OFFSET_OFFSET, (bytes / Integer.BYTES) << DATA_OFFSET_SHIFT);
    }

    public static int flags(MemorySegment s, long tcp) {
        return Wire.u8(s, tcp + FLAGS_OFFSET);
    }

    public static void flags(MemorySegment s, long tcp, int flags) {
        Wire.u8(s, tcp + FLAGS_OFFSET, flags);
    }

    public static int window(MemorySegment s, long tcp) {
        return Wire.u16(s, tcp + WINDOW_OFFSET);
    }

    public static void window(MemorySegment s, long tcp, int window) {
        Wire.u16(s, tcp + WINDOW_OFFSET, window);
    }

    public static int checksum(MemorySegment s, long tcp) {
        return Wire.u16(s, tcp + CHECKSUM_OFFSET);
    }

    public static void checksum(MemorySegment s, long tcp, int checksum) {
        Wire.u16(s, tcp + CHECKSUM_OFFSET, checksum);
    }

    public static int urgentPointer(MemorySegment s, long tcp) {
        return Wire.u16(s, tcp + URGENT_POINTER_OFFSET);
    }

    /**
     * Writes the fixed 20 bytes (checksum and urgent pointer zero). {@code headerLength} counts
     * the options the caller writes after them.
     */
    public static void write(
            MemorySegment s,
            long tcp,
            int sourcePort,
            int destinationPort,
            int sequence,
            int acknowledgment,
            int headerLength,
            int flags,
            int window) {
        sourcePort(s, tcp, sourcePort);
        destinationPort(s, tcp, destinationPort);
        sequence(s, tcp, sequence);
        acknowledgment(s, tcp, acknowledgment);
        headerLength(s, tcp, headerLength);
        flags(s, tcp, flags);
        window(s, tcp, window);
        checksum(s, tcp, 0);
        Wire.u16(s, tcp + URGENT_POINTER_OFFSET, 0);
    }

    /**
     * Full checksum of a TCP segment over IPv4 ({@code tcpLength} = header + payload), computed
     * with the checksum field treated as zero; store it with {@link #checksum(MemorySegment, long, int)}.
     */
    public static int computeChecksum(MemorySegment s, long tcp, int tcpLength, int source, int destination) {
        int stored = checksum(s, tcp);
        checksum(s, tcp, 0);
        long sum = InternetChecksum.pseudoHeaderSum(source, destination, Ipv4Header.PROTOCOL_TCP, tcpLength)
                + InternetChecksum.sum(s, tcp, tcpLength);
        checksum(s, tcp, stored);
        return InternetChecksum.finish(sum);
    }

    /** True when the segment, checksum field included, sums to all ones with the pseudo-header. */
    public static boolean checksumValid(MemorySegment s, long tcp, int tcpLength, int source, int destination) {
        long sum = InternetChecksum.pseudoHeaderSum(source, destination, Ipv4Header.PROTOCOL_TCP, tcpLength)
                + InternetChecksum.sum(s, tcp, tcpLength);
        return InternetChecksum.verifies(sum);
    }

    /**
     * The value a TSO/GSO or checksum-offload frame carries in its checksum field: the folded,
     * uncomplemented pseudo-header sum for the whole (super-)segment's TCP length. The device or
     * the kernel adjusts it per segment and adds the header and payload.
     */
    public static int offloadPseudoHeaderChecksum(int source, int destination, int tcpLength) {
        return InternetChecksum.fold(
                InternetChecksum.pseudoHeaderSum(source, destination, Ipv4Header.PROTOCOL_TCP, tcpLength));
    }
}
