package dev.atlas.server.http;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One connection's request being parsed, reused for every request on that connection.
 * <p>
 * The request head is copied, as it streams in, into the connection's {@link #buffer()}; the
 * target and the header values the server needs are recorded as offsets into it, and the
 * percent-decoded path (without its leading '/') is written into {@link #name()}. Everything
 * here stays valid until the next call of {@link HttpRequestParser#onData} for the connection.
 * Single-threaded: owned by the lane that owns the connection.
 */
public final class HttpRequest {
    /** Offset value of a header field that was absent. */
    public static final int ABSENT = -1;

    static final int STATE_REQUEST_LINE = 0;
    static final int STATE_HEADERS = 1;
    static final int STATE_BODY = 2;
    static final int STATE_COMPLETE = 3;
    static final int STATE_ERROR = 4;

    private final MemorySegment buffer;
    private final MemorySegment name;
    /** Slot in the owning {@link RequestBufferPool}, or -1 when not pooled. */
    final int poolSlot;

    // Parse progress.
    int state;
    int writeIndex;
    int lineStart;
    long bodyRemaining;
    int consumed;

    // Request line.
    HttpMethod method;
    int minorVersion;
    int targetOffset;
    int targetLength;
    int queryOffset;
    int queryLength;
    int nameLength;

    // Header fields the server acts on, as offsets into the buffer (ABSENT when missing).
    int headerCount;
    int hostOffset;
    int hostLength;
    int rangeOffset;
    int rangeLength;
    boolean rangeRepeated;
    int ifNoneMatchOffset;
    int ifNoneMatchLength;
    int ifModifiedSinceOffset;
    int ifModifiedSinceLength;
    int ifRangeOffset;
    int ifRangeLength;
    boolean connectionClose;
    boolean connectionKeepAlive;
    boolean expectContinue;
    long contentLength;

    HttpStatus errorStatus;
    String errorReason;

    /**
     * @param buffer holds the request head; its size is the head limit
     * @param name   receives the decoded path; at least as large as {@code buffer}
     */
    public HttpRequest(MemorySegment buffer, MemorySegment name) {
        this(buffer, name, -1);
    }

    HttpRequest(MemorySegment buffer, MemorySegment name, int poolSlot) {
        if (name.byteSize() < buffer.byteSize()) {
            throw new IllegalArgumentException("the name buffer must be at least as large as the request buffer");
        }
        if (buffer.byteSize() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a request buffer must be smaller than 2 GiB");
        }
        this.buffer = buffer;
        this.name = name;
        this.poolSlot = poolSlot;
        reset();
    }

    /** Forgets the previous request; the next byte fed starts a new request line. */
    public void reset() {
        state = STATE_REQUEST_LINE;
        writeIndex = 0;
        lineStart = 0;
        bodyRemaining = 0;
        consumed = 0;
        method = HttpMethod.OTHER;
        minorVersion = 1;
        targetOffset = 0;
        targetLength = 0;
        queryOffset = ABSENT;
        queryLength = 0;
        nameLength = 0;
        headerCount = 0;
        hostOffset = ABSENT;
        hostLength = 0;
        rangeOffset = ABSENT;
        rangeLength = 0;
        rangeRepeated = false;
        ifNoneMatchOffset = ABSENT;
        ifNoneMatchLength = 0;
        ifModifiedSinceOffset = ABSENT;
        ifModifiedSinceLength = 0;
        ifRangeOffset = ABSENT;
        ifRangeLength = 0;
        connectionClose = false;
        connectionKeepAlive = false;
        expectContinue = false;
        contentLength = ABSENT;
        errorStatus = null;
        errorReason = null;
    }

    /** The request head bytes as received; offsets returned by this view point into it. */
    public MemorySegment buffer() {
        return buffer;
    }

    /** The percent-decoded path without its leading '/', {@link #nameLength()} bytes long. */
    public MemorySegment name() {
        return name;
    }

    public int nameLength() {
        return nameLength;
    }

    public HttpMethod method() {
        return method;
    }

    /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
    public int minorVersion() {
        return minorVersion;
    }

    /** Offset in {@link #buffer()} of the request target exactly as sent. */
    public int targetOffset() {
        return targetOffset;
    }

    public int targetLength() {
        return targetLength;
    }

    /** Offset of the query (after '?'), or {@link #ABSENT}. */
    public int queryOffset() {
        return queryOffset;
    }

    public int queryLength() {
        return queryLength;
    }

    public int headerCount() {
        return headerCount;
    }

    public int hostOffset() {
        return hostOffset;
    }

    public int hostLength() {
        return hostLength;
    }

    /** A single Range field was sent (several Range fields are a multi-range request, which is ignored). */
    public boolean hasRange() {
        return rangeOffset != ABSENT && !rangeRepeated;
    }

    public int rangeOffset() {
        return rangeOffset;
    }

    public int rangeLength() {
        return rangeLength;
    }

    public boolean hasIfNoneMatch() {
        return ifNoneMatchOffset != ABSENT;
    }

    public int ifNoneMatchOffset() {
        return ifNoneMatchOffset;
    }

    public int ifNoneMatchLength() {
        return ifNoneMatchLength;
    }

    public boolean hasIfModifiedSince() {
        return ifModifiedSinceOffset != ABSENT;
    }

    public int ifModifiedSinceOffset() {
        return ifModifiedSinceOffset;
    }

    public int ifModifiedSinceLength() {
        return ifModifiedSinceLength;
    }

    public boolean hasIfRange() {
        return ifRangeOffset != ABSENT;
    }

    public int ifRangeOffset() {
        return ifRangeOffset;
    }

    public int ifRangeLength() {
        return ifRangeLength;
    }

    /** Declared request body length, or {@link #ABSENT}; a body is skipped by the parser. */
    public long contentLength() {
        return contentLength;
    }

    /**
     * Whether the connection stays open after the response: HTTP/1.1 unless "Connection: close",
     * HTTP/1.0 only with "Connection: keep-alive" (RFC 9112 §9.3).
     */
    public boolean keepAlive() {
        if (connectionClose) {
            return false;
        }
        return minorVersion >= 1 || connectionKeepAlive;
    }

    /** Bytes of the last piece fed that belong to this request (valid after COMPLETE). */
    public int consumed() {
        return consumed;
    }

    public boolean isComplete() {
        return state == STATE_COMPLETE;
    }

    /** Whether bytes of a request have arrived that have not been answered yet (the connection is not idle). */
    public boolean inProgress() {
        return state != STATE_REQUEST_LINE || writeIndex > 0;
    }

    /** The status to answer a malformed request with (400, 413, 414, 431, 501, 505), else null. */
    public HttpStatus errorStatus() {
        return errorStatus;
    }

    /** A constant sentence saying what was wrong, for the access log; null when no error. */
    public String errorReason() {
        return errorReason;
    }

    /** Byte at {@code index} of the request buffer. */
    public byte byteAt(int index) {
        return buffer.get(ValueLayout.JAVA_BYTE, index);
    }

    /** Copies a range of the request buffer into a new string (for logs and tests, not the hot path). */
    public String text(int offset, int length) {
        if (offset < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, offset, bytes, 0, length);
        return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** The decoded name as a UTF-8 string (for logs and tests, not the hot path). */
    public String nameText() {
        byte[] bytes = new byte[nameLength];
        MemorySegment.copy(name, ValueLayout.JAVA_BYTE, 0, bytes, 0, nameLength);
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }
}
