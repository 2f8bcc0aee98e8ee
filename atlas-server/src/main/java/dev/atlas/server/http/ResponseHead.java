package dev.atlas.server.http;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Writes a response head (status line, header fields, the empty line) into a send buffer,
 * from pre-encoded ASCII constants and hand-written decimals: no allocation, no formatting.
 * Usage: {@code wrap(buffer, offset, capacity).status(OK).date().server()...end()}; end returns
 * the bytes written, or -1 if the head did not fit (nothing useful was written then).
 * One per lane (not thread-safe).
 */
public final class ResponseHead {
    private static final byte[] CRLF = Ascii.bytes("\r\n");
    private static final byte[] DATE = Ascii.bytes("Date: ");
    private static final byte[] CONTENT_LENGTH = Ascii.bytes("Content-Length: ");
    private static final byte[] CONTENT_TYPE = Ascii.bytes("Content-Type: ");
    private static final byte[] CONTENT_RANGE = Ascii.bytes("Content-Range: bytes ");
    private static final byte[] UNSATISFIED_RANGE = Ascii.bytes("Content-Range: bytes */");
    private static final byte[] ETAG = Ascii.bytes("ETag: ");
    private static final byte[] LAST_MODIFIED = Ascii.bytes("Last-Modified: ");
    private static final byte[] CACHE_CONTROL = Ascii.bytes("Cache-Control: ");
    private static final byte[] RETRY_AFTER = Ascii.bytes("Retry-After: ");
    private static final byte[] ACCEPT_RANGES = Ascii.bytes("Accept-Ranges: bytes\r\n");
    private static final byte[] ALLOW = Ascii.bytes("Allow: GET, HEAD\r\n");
    private static final byte[] ALLOW_WITH_OPTIONS = Ascii.bytes("Allow: GET, HEAD, OPTIONS\r\n");
    /** The answer to a browser's preflight: what a player may send cross-origin, cached for a day. */
    private static final byte[] CORS_PREFLIGHT = Ascii.bytes("Access-Control-Allow-Origin: *\r\n"
            + "Access-Control-Allow-Methods: GET, HEAD, OPTIONS\r\n"
            + "Access-Control-Allow-Headers: Range, If-None-Match, If-Modified-Since, If-Range\r\n"
            + "Access-Control-Max-Age: 86400\r\n");
    /** Browser players (hls.js, dash.js) fetch cross-origin and must read these fields. */
    private static final byte[] CORS = Ascii.bytes("Access-Control-Allow-Origin: *\r\n"
            + "Access-Control-Expose-Headers: Content-Range, Content-Length, ETag, Accept-Ranges\r\n");

    private static final byte[] CONNECTION_CLOSE = Ascii.bytes("Connection: close\r\n");
    private static final byte[] CONNECTION_KEEP_ALIVE = Ascii.bytes("Connection: keep-alive\r\n");
    private static final byte DASH = '-';
    private static final byte SLASH = '/';
    private static final int MAX_LONG_DIGITS = 19;

    private final CachedDate date;
    private final byte[] serverField;
    private final byte[] lastModifiedText = new byte[HttpDate.LENGTH];

    private MemorySegment buffer = MemorySegment.NULL;
    private long start;
    private long position;
    private long limit;
    private boolean overflow;

    /**
     * @param date   the lane's cached Date value
     * @param server the Server field value, e.g. "atlas"
     */
    public ResponseHead(CachedDate date, String server) {
        this.date = date;
        this.serverField = Ascii.bytes("Server: " + server + "\r\n");
    }

    /** Starts a head at {@code offset} of {@code buffer}, using at most {@code capacity} bytes. */
    public ResponseHead wrap(MemorySegment buffer, long offset, long capacity) {
        this.buffer = buffer;
        this.start = offset;
        this.position = offset;
        this.limit = Math.min(buffer.byteSize(), offset + capacity);
        this.overflow = false;
        return this;
    }

    public ResponseHead status(HttpStatus status) {
        return put(status.statusLine());
    }

    public ResponseHead date() {
        return put(DATE).put(date.now()).put(CRLF);
    }

    public ResponseHead server() {
        return put(serverField);
    }

    public ResponseHead contentLength(long length) {
        return put(CONTENT_LENGTH).decimal(length).put(CRLF);
    }

    /** @param type the ASCII media type stored with the catalogue entry */
    public ResponseHead contentType(byte[] type) {
        return put(CONTENT_TYPE).put(type).put(CRLF);
    }

    /** "Content-Range: bytes first-last/complete" of a 206. */
    public ResponseHead contentRange(long first, long last, long completeLength) {
        return put(CONTENT_RANGE)
                .decimal(first)
                .put(DASH)
                .decimal(last)
                .put(SLASH)
                .decimal(completeLength)
                .put(CRLF);
    }

    /** "Content-Range: bytes *&#47;complete" of a 416. */
    public ResponseHead unsatisfiedRange(long completeLength) {
        return put(UNSATISFIED_RANGE).decimal(completeLength).put(CRLF);
    }

    /** @param entityTag the quoted entity tag, e.g. {@code "abc"} with its quotes, in ASCII */
    public ResponseHead etag(byte[] entityTag) {
        return put(ETAG).put(entityTag).put(CRLF);
    }

    public ResponseHead lastModified(long epochSecond) {
        HttpDate.format(epochSecond, lastModifiedText, 0);
        return put(LAST_MODIFIED).put(lastModifiedText).put(CRLF);
    }

    public ResponseHead acceptRanges() {
        return put(ACCEPT_RANGES);
    }

    public ResponseHead cors() {
        return put(CORS);
    }

    public ResponseHead connection(boolean keepAlive) {
        return put(keepAlive ? CONNECTION_KEEP_ALIVE : CONNECTION_CLOSE);
    }

    /** @param directives e.g. "public, max-age=31536000, immutable" in ASCII */
    public ResponseHead cacheControl(byte[] directives) {
        return put(CACHE_CONTROL).put(directives).put(CRLF);
    }

    public ResponseHead allow() {
        return put(ALLOW);
    }

    /** "Allow: GET, HEAD, OPTIONS": a server that answers preflights. */
    public ResponseHead allowWithOptions() {
        return put(ALLOW_WITH_OPTIONS);
    }

    /** The CORS fields of a preflight answer (instead of {@link #cors()}). */
    public ResponseHead corsPreflight() {
        return put(CORS_PREFLIGHT);
    }

    public ResponseHead retryAfter(long seconds) {
        return put(RETRY_AFTER).decimal(seconds).put(CRLF);
    }

    /** Any other field: {@code name} with its ": " and a value, both ASCII. */
    public ResponseHead field(byte[] nameColonSpace, byte[] value) {
        return put(nameColonSpace).put(value).put(CRLF);
    }

    /** Ends the head with the empty line. Returns the head's length, or -1 if it did not fit. */
    public int end() {
        put(CRLF);
        return overflow ? -1 : (int) (position - start);
    }

    /** Appends body bytes after {@link #end()} (small canned bodies). Returns the total length or -1. */
    public int body(byte[] bytes) {
        put(bytes);
        return overflow ? -1 : (int) (position - start);
    }

    private ResponseHead put(byte[] bytes) {
        if (position + bytes.length > limit) {
            overflow = true;
            return this;
        }
        MemorySegment.copy(bytes, 0, buffer, ValueLayout.JAVA_BYTE, position, bytes.length);
        position += bytes.length;
        return this;
    }

    private ResponseHead put(byte b) {
        if (position + 1 > limit) {
            overflow = true;
            return this;
        }
        buffer.set(ValueLayout.JAVA_BYTE, position++, b);
        return this;
    }

    /** A non-negative decimal, written back to front after counting its digits. */
    private ResponseHead decimal(long value) {
        long v = Math.max(0, value);
        int digits = 1;
        for (long rest = v / 10; rest != 0 && digits < MAX_LONG_DIGITS; rest /= 10) {
            digits++;
        }
        if (position + digits > limit) {
            overflow = true;
            return this;
        }
        for (long p = position + digits - 1; p >= position; p--) {
            buffer.set(ValueLayout.JAVA_BYTE, p, (byte) ('0' + v % 10));
            v /= 10;
        }
        position += digits;
        return this;
    }
}
