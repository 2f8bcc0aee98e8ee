package dev.atlas.server.ring;

import java.lang.foreign.MemorySegment;

/**
 * The Internet checksum (RFC 1071): ones-complement sum of 16-bit big-endian words.
 *
 * <p>Partial sums are plain {@code long}s that may be added together before {@link #fold}ing,
 * as long as every range but the last has even length (a range's first byte is a high byte).
 * Incremental updates follow RFC 1624 ({@code HC' = ~(~HC + ~m + m')}).
 */
public final class InternetChecksum {
    private static final int WORD_MASK = 0xFFFF;
    private static final long INT_MASK = 0xFFFF_FFFFL;

    private InternetChecksum() {}

    /** Unfolded sum of {@code length} bytes from {@code offset}; an odd last byte counts as a high byte. */
    public static long sum(MemorySegment s, long offset, int length) {
        long sum = 0;
        long at = offset;
        long end = offset + length;
        // Adding both 32-bit halves of each big-endian 64-bit word keeps carries in the upper
        // bits of the long; folding later brings them back (the sum is byte-order invariant
        // under this grouping because 2^32 = 1 and 2^16 = 1 modulo 0xFFFF).
        while (end - at >= Long.BYTES) {
            long w = s.get(Wire.U64, at);
            sum += (w >>> 32) + (w & INT_MASK);
            at += Long.BYTES;
        }
        if (end - at >= Integer.BYTES) {
            sum += Integer.toUnsignedLong(s.get(Wire.U32, at));
            at += Integer.BYTES;
        }
        if (end - at >= Short.BYTES) {
            sum += Short.toUnsignedInt(s.get(Wire.U16, at));
            at += Short.BYTES;
        }
        if (at < end) {
            sum += (long) Wire.u8(s, at) << 8;
        }
        return sum;
    }

    /** Folds carries into 16 bits: the ones-complement sum, not yet complemented. */
    public static int fold(long sum) {
        long s = sum;
        while ((s >>> 16) != 0) {
            s = (s & WORD_MASK) + (s >>> 16);
        }
        return (int) s;
    }

    /** The value to store in a checksum field: the complement of the folded sum. */
    public static int finish(long sum) {
        return ~fold(sum) & WORD_MASK;
    }

    /** Checksum of one range, ready to store. */
    public static int checksum(MemorySegment s, long offset, int length) {
        return finish(sum(s, offset, length));
    }

    /** True when a range that includes its checksum field sums to all ones. */
    public static boolean verifies(long sumIncludingField) {
        return fold(sumIncludingField) == WORD_MASK;
    }

    /** Sum of the IPv4 pseudo-header: source, destination, protocol and upper-layer length. */
    public static long pseudoHeaderSum(int source, int destination, int protocol, int length) {
        return (source >>> 16)
                + (source & WORD_MASK)
                + (destination >>> 16)
                + (destination & WORD_MASK)
                + protocol
                + length;
    }

    /** RFC 1624 update of a stored checksum when one 16-bit word changes from {@code oldWord} to {@code newWord}. */
    public static int update16(int checksum, int oldWord, int newWord) {
        long sum = (~checksum & WORD_MASK) + (~oldWord & WORD_MASK) + (newWord & WORD_MASK);
        return ~fold(sum) & WORD_MASK;
    }

    /** RFC 1624 update for a 32-bit field (an address, a sequence number). */
    public static int update32(int checksum, int oldValue, int newValue) {
        return update16(
                update16(checksum, oldValue >>> 16, newValue >>> 16), oldValue & WORD_MASK, newValue & WORD_MASK);
    }
}
