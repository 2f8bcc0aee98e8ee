package dev.atlas.server.ring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Network-byte-order accessors shared by the header flyweights. Offsets are absolute within the
 * segment; fields are unaligned because headers start wherever the frame puts them.
 */
public final class Wire {
    /** Big-endian unaligned 16-bit field. */
    public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** Big-endian unaligned 32-bit field. */
    public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** Big-endian unaligned 64-bit field (used by the checksum loop). */
    public static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Wire() {}

    public static int u8(MemorySegment s, long offset) {
        return Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, offset));
    }

    public static void u8(MemorySegment s, long offset, int value) {
        s.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
    }

    public static int u16(MemorySegment s, long offset) {
        return Short.toUnsignedInt(s.get(U16, offset));
    }

    public static void u16(MemorySegment s, long offset, int value) {
        s.set(U16, offset, (short) value);
    }

    /** A 32-bit field as a Java int (sequence numbers are compared with modular arithmetic anyway). */
    public static int u32(MemorySegment s, long offset) {
        return s.get(U32, offset);
    }

    public static void u32(MemorySegment s, long offset, int value) {
        s.set(U32, offset, value);
    }

    /** A 48-bit MAC address field as the low 48 bits of a long. */
    public static long u48(MemorySegment s, long offset) {
        return ((long) u16(s, offset) << 32) | Integer.toUnsignedLong(u32(s, offset + 2));
    }

    public static void u48(MemorySegment s, long offset, long value) {
        u16(s, offset, (int) (value >>> 32));
        u32(s, offset + 2, (int) value);
    }
}
