package dev.atlas.server.http;

import static dev.atlas.server.http.Ascii.at;

import java.lang.foreign.MemorySegment;

/**
 * Conditional requests on a representation with an entity tag and a modification time
 * (RFC 9110 §13): If-None-Match (weak comparison, lists, "*"), which overrides
 * If-Modified-Since, and If-Range (strong entity tag or exact date) deciding whether a Range
 * applies. Reads the offsets the parser recorded; no allocation. A field that does not parse
 * counts as "no match", which always falls back to sending the representation.
 */
public final class Preconditions {
    private static final byte QUOTE = '"';
    private static final byte STAR = '*';
    private static final byte[] WEAK_PREFIX = Ascii.bytes("W/");

    private Preconditions() {}

    /**
     * Whether a GET/HEAD should be answered 304 Not Modified.
     *
     * @param etag                the representation's entity tag with its quotes (and W/ if weak), ASCII
     * @param lastModifiedSeconds its modification time in epoch seconds
     */
    public static boolean notModified(HttpRequest request, byte[] etag, long lastModifiedSeconds) {
        if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
            return false;
        }
        if (request.hasIfNoneMatch()) {
            return anyTagMatches(request.buffer(), request.ifNoneMatchOffset(), request.ifNoneMatchLength(), etag);
        }
        if (request.hasIfModifiedSince()) {
            long since =
                    HttpDate.parse(request.buffer(), request.ifModifiedSinceOffset(), request.ifModifiedSinceLength());
            return since != HttpDate.INVALID && lastModifiedSeconds <= since;
        }
        return false;
    }

    /**
     * Whether the request's Range applies: there is no If-Range, or it names this exact
     * representation (a strong entity tag equal to ours, or our exact Last-Modified date).
     */
    public static boolean rangeApplies(HttpRequest request, byte[] etag, long lastModifiedSeconds) {
        if (!request.hasIfRange()) {
            return true;
        }
        final MemorySegment buffer = request.buffer();
        final int offset = request.ifRangeOffset();
        final int length = request.ifRangeLength();
        if (length > 0
                && (at(buffer, offset) == QUOTE
                        || Ascii.equals(buffer, offset, Math.min(length, WEAK_PREFIX.length), WEAK_PREFIX))) {
            // Strong comparison: both tags strong and identical.
            return !isWeak(etag) && Ascii.equals(buffer, offset, length, etag);
        }
        long date = HttpDate.parse(buffer, offset, length);
        return date != HttpDate.INVALID && date == lastModifiedSeconds;
    }

    /** Weak comparison of each tag of an If-None-Match list with ours. */
    static boolean anyTagMatches(MemorySegment text, int offset, int length, byte[] etag) {
        final int end = offset + length;
        final int opaqueStart = isWeak(etag) ? WEAK_PREFIX.length : 0;
        final int opaqueLength = etag.length - opaqueStart;
        int i = offset;
        while (i < end) {
            while (i < end && (at(text, i) == Ascii.COMMA || Ascii.isWhitespace(at(text, i)))) {
                i++;
            }
            if (i == end) {
                return false;
            }
            if (at(text, i) == STAR) {
                return true;
            }
            if (end - i >= WEAK_PREFIX.length && Ascii.equals(text, i, WEAK_PREFIX.length, WEAK_PREFIX)) {
                i += WEAK_PREFIX.length;
            }
            if (i == end || at(text, i) != QUOTE) {
                return false;
            }
            int close = i + 1;
            while (close < end && at(text, close) != QUOTE) {
                close++;
            }
            if (close == end) {
                return false;
            }
            int tagLength = close + 1 - i;
            if (tagLength == opaqueLength && sameBytes(text, i, etag, opaqueStart, opaqueLength)) {
                return true;
            }
            i = close + 1;
        }
        return false;
    }

    private static boolean isWeak(byte[] etag) {
        return etag.length > WEAK_PREFIX.length && etag[0] == WEAK_PREFIX[0] && etag[1] == WEAK_PREFIX[1];
    }

    private static boolean sameBytes(MemorySegment text, int offset, byte[] bytes, int from, int length) {
        for (int k = 0; k < length; k++) {
            if (at(text, offset + k) != (bytes[from + k] & 0xFF)) {
                return false;
            }
        }
        return true;
    }
}
