package dev.atlas.server.http;

import static dev.atlas.server.http.Ascii.at;

import java.lang.foreign.MemorySegment;

/**
 * A single byte range ({@code bytes=a-b}, {@code bytes=a-}, {@code bytes=-n}) resolved against a
 * representation's length. Reusable: {@link #parse} overwrites it; no allocation. The server
 * serves one range only; several ranges, other units and invalid syntax are
 * {@link RangeResult#IGNORED}, which RFC 9110 §14.2 allows (the whole representation is sent),
 * and so is a suffix range of an empty representation.
 */
public final class ByteRange {
    private static final byte[] BYTES_UNIT = Ascii.bytes("bytes");
    private static final byte EQUALS = '=';
    private static final byte DASH = '-';
    /** 18 decimal digits always fit in a long; longer numbers saturate. */
    private static final int MAX_EXACT_DIGITS = 18;

    private static final long NO_NUMBER = -1;

    private long first;
    private long last;
    private int position;

    /** First byte position of a satisfiable range. */
    public long first() {
        return first;
    }

    /** Last byte position (inclusive) of a satisfiable range. */
    public long last() {
        return last;
    }

    /** Number of bytes of a satisfiable range. */
    public long length() {
        return last - first + 1;
    }

    /** Parses a Range field value, e.g. the one {@link HttpRequest#rangeOffset()} points at. */
    public RangeResult parse(MemorySegment text, long offset, int length, long completeLength) {
        final long end = offset + length;
        if (!Ascii.startsWithIgnoreCase(text, offset, length, BYTES_UNIT)
                || length == BYTES_UNIT.length
                || at(text, offset + BYTES_UNIT.length) != EQUALS) {
            return RangeResult.IGNORED;
        }
        long i = skipSeparators(text, offset + BYTES_UNIT.length + 1, end);
        if (i == end) {
            return RangeResult.IGNORED;
        }
        RangeResult result;
        if (at(text, i) == DASH) {
            long suffix = number(text, i + 1, end);
            if (suffix == NO_NUMBER) {
                return RangeResult.IGNORED;
            }
            i += 1 + position;
            if (suffix == 0) {
                result = RangeResult.UNSATISFIABLE;
            } else if (completeLength == 0) {
                // Satisfiable on an empty representation (RFC 9110 §14.1.2), yet no 206 can describe
                // an empty range: ignore it, so the whole (empty) representation is sent with 200.
                result = RangeResult.IGNORED;
            } else {
                first = Math.max(0, completeLength - suffix);
                last = completeLength - 1;
                result = RangeResult.SATISFIABLE;
            }
        } else {
            long firstPosition = number(text, i, end);
            if (firstPosition == NO_NUMBER) {
                return RangeResult.IGNORED;
            }
            i += position;
            if (i == end || at(text, i) != DASH) {
                return RangeResult.IGNORED;
            }
            i++;
            long lastPosition = number(text, i, end);
            i += position;
            if (lastPosition != NO_NUMBER && lastPosition < firstPosition) {
                return RangeResult.IGNORED;
            }
            if (firstPosition >= completeLength) {
                result = RangeResult.UNSATISFIABLE;
            } else {
                first = firstPosition;
                last = lastPosition == NO_NUMBER ? completeLength - 1 : Math.min(lastPosition, completeLength - 1);
                result = RangeResult.SATISFIABLE;
            }
        }
        // Anything but list separators after the one range: a second range or junk, both ignored.
        return skipSeparators(text, i, end) == end ? result : RangeResult.IGNORED;
    }

    private static long skipSeparators(MemorySegment text, long from, long end) {
        long i = from;
        while (i < end && (at(text, i) == Ascii.COMMA || Ascii.isWhitespace(at(text, i)))) {
            i++;
        }
        return i;
    }

    /** Reads decimal digits at {@code from}; sets {@link #position} to how many; saturates at Long.MAX_VALUE. */
    private long number(MemorySegment text, long from, long end) {
        long value = 0;
        int digits = 0;
        int significant = 0;
        for (long i = from; i < end && Ascii.isDigit(at(text, i)); i++) {
            int digit = at(text, i) - '0';
            if (value != 0 || digit != 0) {
                value = significant < MAX_EXACT_DIGITS ? value * 10 + digit : Long.MAX_VALUE;
                significant++;
            }
            digits++;
        }
        position = digits;
        return digits == 0 ? NO_NUMBER : value;
    }
}
