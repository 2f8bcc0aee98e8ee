package dev.atlas.server.http;

import static dev.atlas.server.http.Ascii.at;
import static dev.atlas.server.http.HttpRequest.ABSENT;
import static dev.atlas.server.http.HttpRequest.STATE_BODY;
import static dev.atlas.server.http.HttpRequest.STATE_COMPLETE;
import static dev.atlas.server.http.HttpRequest.STATE_ERROR;
import static dev.atlas.server.http.HttpRequest.STATE_HEADERS;
import static dev.atlas.server.http.HttpRequest.STATE_REQUEST_LINE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Incremental HTTP/1.1 request parser (RFC 9112) for bytes that arrive in pieces, as TCP
 * delivers them. All state lives in the connection's {@link HttpRequest}; the parser itself
 * only holds the {@link HttpLimits}, so one instance serves a whole lane. Nothing is allocated
 * and nothing is thrown for bad input: every malformed request ends in {@link ParseResult#ERROR}
 * with the status to answer.
 * <p>
 * Policy, strict where leniency would let two parsers disagree (request smuggling):
 * <ul>
 * <li>lines end with CRLF; a bare LF or a CR elsewhere is 400;</li>
 * <li>empty lines before the request line are skipped (RFC 9112 §2.2);</li>
 * <li>obs-fold (a header line starting with SP/HTAB), whitespace before the colon, a header
 *     name that is not a token, control bytes in a value: 400;</li>
 * <li>HTTP/1.1 without exactly one Host: 400; a major version other than 1: 505 (a later 1.x is
 *     served as 1.1, RFC 9110 §2.5);</li>
 * <li>Transfer-Encoding: 501 (no request bodies are expected); a Content-Length that is not
 *     digits, or two that differ: 400; a body up to {@link HttpLimits#skippedBodyBytes()} is
 *     skipped, a larger one is 413;</li>
 * <li>an HTTP/1.1 request with a body and "Expect: 100-continue" is complete at the end of its
 *     head: the client waits for an immediate final status (RFC 9110 §10.1.1) instead of sending
 *     the body, so the request is answered at once and the connection closes after it (the body
 *     may or may not follow; nothing after it can be trusted to be a request);</li>
 * <li>a request line that does not fit in the request buffer: 414; header fields that do not
 *     fit, or more than {@link HttpLimits#headerCount()}: 431;</li>
 * <li>the path is percent-decoded into {@link HttpRequest#name()}; bad escapes, NUL and ".."
 *     segments are 400.</li>
 * </ul>
 */
public final class HttpRequestParser {
    private static final byte[] GET = Ascii.bytes("GET");
    private static final byte[] HEAD = Ascii.bytes("HEAD");
    private static final byte[] OPTIONS = Ascii.bytes("OPTIONS");
    private static final byte[] HTTP_SLASH = Ascii.bytes("HTTP/");
    private static final byte[] HTTP_SCHEME = Ascii.bytes("http://");
    private static final byte[] HTTPS_SCHEME = Ascii.bytes("https://");
    private static final byte[] HOST = Ascii.bytes("host");
    private static final byte[] RANGE = Ascii.bytes("range");
    private static final byte[] IF_NONE_MATCH = Ascii.bytes("if-none-match");
    private static final byte[] IF_MODIFIED_SINCE = Ascii.bytes("if-modified-since");
    private static final byte[] IF_RANGE = Ascii.bytes("if-range");
    private static final byte[] CONNECTION = Ascii.bytes("connection");
    private static final byte[] CONTENT_LENGTH = Ascii.bytes("content-length");
    private static final byte[] TRANSFER_ENCODING = Ascii.bytes("transfer-encoding");
    private static final byte[] CLOSE = Ascii.bytes("close");
    private static final byte[] KEEP_ALIVE = Ascii.bytes("keep-alive");
    private static final byte[] EXPECT = Ascii.bytes("expect");
    private static final byte[] CONTINUE = Ascii.bytes("100-continue");

    /** "HTTP/" d "." d */
    private static final int VERSION_LENGTH = 8;

    private static final int VERSION_MAJOR_INDEX = 5;
    private static final int VERSION_DOT_INDEX = 6;
    private static final int VERSION_MINOR_INDEX = 7;
    /** 18 decimal digits always fit in a long. */
    private static final int MAX_LENGTH_DIGITS = 18;

    private static final int PERCENT_ESCAPE_LENGTH = 3;
    private static final int HEX_SHIFT = 4;

    private final HttpLimits limits;

    public HttpRequestParser(HttpLimits limits) {
        this.limits = limits;
    }

    public HttpLimits limits() {
        return limits;
    }

    /**
     * Feeds the next piece of a connection's bytes. A request that was COMPLETE is forgotten
     * first, so after COMPLETE the caller feeds the rest of the piece
     * ({@code offset + request.consumed()}) to get the next pipelined request. After ERROR the
     * request stays in error until {@link HttpRequest#reset()}; {@link HttpRequest#consumed()}
     * then counts the bytes examined.
     */
    public ParseResult onData(HttpRequest request, MemorySegment data, long offset, int length) {
        if (request.state == STATE_COMPLETE) {
            request.reset();
        }
        if (request.state == STATE_ERROR) {
            request.consumed = 0;
            return ParseResult.ERROR;
        }
        final MemorySegment buffer = request.buffer();
        final int capacity = (int) buffer.byteSize();
        final long end = offset + length;
        long position = offset;
        while (position < end) {
            if (request.state == STATE_BODY) {
                long skipped = Math.min(request.bodyRemaining, end - position);
                position += skipped;
                request.bodyRemaining -= skipped;
                if (request.bodyRemaining == 0) {
                    request.state = STATE_COMPLETE;
                }
            } else {
                long lineFeed = indexOfLineFeed(data, position, end);
                long chunkEnd = lineFeed < 0 ? end : lineFeed + 1;
                int chunk = (int) (chunkEnd - position);
                if (chunk > capacity - request.writeIndex) {
                    request.consumed = (int) (position - offset);
                    return request.state == STATE_REQUEST_LINE
                            ? fail(
                                    request,
                                    HttpStatus.URI_TOO_LONG,
                                    "the request line is longer than the request buffer")
                            : fail(
                                    request,
                                    HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                                    "the header fields are larger than the request buffer");
                }
                MemorySegment.copy(data, position, buffer, request.writeIndex, chunk);
                request.writeIndex += chunk;
                position = chunkEnd;
                if (lineFeed >= 0 && !onLine(request)) {
                    request.consumed = (int) (position - offset);
                    return ParseResult.ERROR;
                }
            }
            if (request.state == STATE_COMPLETE) {
                request.consumed = (int) (position - offset);
                return ParseResult.COMPLETE;
            }
        }
        request.consumed = length;
        return ParseResult.NEED_MORE;
    }

    private static long indexOfLineFeed(MemorySegment data, long from, long end) {
        for (long i = from; i < end; i++) {
            if (data.get(ValueLayout.JAVA_BYTE, i) == Ascii.LF) {
                return i;
            }
        }
        return -1;
    }

    /** A whole line, LF included, ends at writeIndex. */
    private boolean onLine(HttpRequest request) {
        final MemorySegment buffer = request.buffer();
        final int start = request.lineStart;
        final int lineFeed = request.writeIndex - 1;
        if (lineFeed == start || at(buffer, lineFeed - 1) != Ascii.CR) {
            return failed(request, HttpStatus.BAD_REQUEST, "a line ends with a bare LF instead of CRLF");
        }
        final int contentEnd = lineFeed - 1;
        request.lineStart = request.writeIndex;
        if (request.state == STATE_REQUEST_LINE) {
            if (contentEnd == start) {
                request.writeIndex = start;
                request.lineStart = start;
                return true;
            }
            return requestLine(request, start, contentEnd);
        }
        if (contentEnd == start) {
            return endOfHead(request);
        }
        return headerField(request, start, contentEnd);
    }

    private boolean requestLine(HttpRequest request, int start, int end) {
        final MemorySegment buffer = request.buffer();
        int i = start;
        while (i < end && Ascii.isToken(at(buffer, i))) {
            i++;
        }
        final int methodEnd = i;
        if (methodEnd == start || i == end || at(buffer, i) != Ascii.SP) {
            return failed(
                    request, HttpStatus.BAD_REQUEST, "the request line does not start with a method and one space");
        }
        final int methodLength = methodEnd - start;
        if (Ascii.equals(buffer, start, methodLength, GET)) {
            request.method = HttpMethod.GET;
        } else if (Ascii.equals(buffer, start, methodLength, HEAD)) {
            request.method = HttpMethod.HEAD;
        } else if (Ascii.equals(buffer, start, methodLength, OPTIONS)) {
            request.method = HttpMethod.OPTIONS;
        } else {
            request.method = HttpMethod.OTHER;
        }
        final int targetStart = ++i;
        while (i < end && at(buffer, i) > Ascii.SP && at(buffer, i) < Ascii.DEL) {
            i++;
        }
        final int targetEnd = i;
        if (targetEnd == targetStart || i == end || at(buffer, i) != Ascii.SP) {
            return failed(
                    request, HttpStatus.BAD_REQUEST, "the request target is missing or holds a space or control byte");
        }
        request.targetOffset = targetStart;
        request.targetLength = targetEnd - targetStart;
        if (!version(request, i + 1, end)) {
            return false;
        }
        request.state = STATE_HEADERS;
        return target(request, targetStart, targetEnd);
    }

    private static boolean version(HttpRequest request, int start, int end) {
        final MemorySegment buffer = request.buffer();
        final int length = end - start;
        if (length != VERSION_LENGTH
                || !Ascii.equals(buffer, start, HTTP_SLASH.length, HTTP_SLASH)
                || !Ascii.isDigit(at(buffer, start + VERSION_MAJOR_INDEX))
                || at(buffer, start + VERSION_DOT_INDEX) != '.'
                || !Ascii.isDigit(at(buffer, start + VERSION_MINOR_INDEX))) {
            return failed(
                    request,
                    HttpStatus.BAD_REQUEST,
                    "the request line does not end with an HTTP version such as HTTP/1.1");
        }
        final int major = at(buffer, start + VERSION_MAJOR_INDEX) - '0';
        final int minor = at(buffer, start + VERSION_MINOR_INDEX) - '0';
        if (major != 1) {
            return failed(request, HttpStatus.HTTP_VERSION_NOT_SUPPORTED, "only HTTP/1.x is served");
        }
        // A later 1.x is served as 1.1, the highest minor version we implement (RFC 9110 §2.5); 505 is for the major.
        request.minorVersion = Math.min(minor, 1);
        return true;
    }

    /** Origin-form or absolute-form (RFC 9112 §3.2); asterisk-form only for OPTIONS and methods we refuse anyway. */
    private static boolean target(HttpRequest request, int start, int end) {
        final MemorySegment buffer = request.buffer();
        final int first = at(buffer, start);
        int pathStart;
        if (first == '/') {
            pathStart = start;
        } else if (first == '*'
                && end - start == 1
                && (request.method == HttpMethod.OTHER || request.method == HttpMethod.OPTIONS)) {
            request.nameLength = 0;
            return true;
        } else {
            int schemeLength;
            if (Ascii.startsWithIgnoreCase(buffer, start, end - start, HTTP_SCHEME)) {
                schemeLength = HTTP_SCHEME.length;
            } else if (Ascii.startsWithIgnoreCase(buffer, start, end - start, HTTPS_SCHEME)) {
                schemeLength = HTTPS_SCHEME.length;
            } else {
                return failed(
                        request,
                        HttpStatus.BAD_REQUEST,
                        "the request target is neither a path nor an absolute http URI");
            }
            pathStart = start + schemeLength;
            while (pathStart < end && at(buffer, pathStart) != '/' && at(buffer, pathStart) != '?') {
                pathStart++;
            }
        }
        int pathEnd = pathStart;
        while (pathEnd < end && at(buffer, pathEnd) != '?') {
            if (at(buffer, pathEnd) == '#') {
                return failed(request, HttpStatus.BAD_REQUEST, "the request target holds a fragment ('#')");
            }
            pathEnd++;
        }
        if (pathEnd < end) {
            request.queryOffset = pathEnd + 1;
            request.queryLength = end - pathEnd - 1;
        }
        return decodePath(request, pathStart, pathEnd);
    }

    /** Percent-decodes the path after its leading '/' into the request's name buffer. */
    private static boolean decodePath(HttpRequest request, int start, int end) {
        final MemorySegment buffer = request.buffer();
        final MemorySegment name = request.name();
        int i = start < end && at(buffer, start) == '/' ? start + 1 : start;
        int length = 0;
        while (i < end) {
            int b = at(buffer, i);
            if (b == '%') {
                int high = i + 2 < end ? Ascii.hex(at(buffer, i + 1)) : -1;
                int low = i + 2 < end ? Ascii.hex(at(buffer, i + 2)) : -1;
                if (high < 0 || low < 0) {
                    return failed(
                            request,
                            HttpStatus.BAD_REQUEST,
                            "the path holds a '%' that is not followed by two hex digits");
                }
                b = (high << HEX_SHIFT) | low;
                i += PERCENT_ESCAPE_LENGTH;
            } else {
                i++;
            }
            if (b == 0) {
                return failed(request, HttpStatus.BAD_REQUEST, "the path holds an encoded NUL byte");
            }
            name.set(ValueLayout.JAVA_BYTE, length++, (byte) b);
        }
        request.nameLength = length;
        int segmentStart = 0;
        for (int k = 0; k <= length; k++) {
            if (k == length || name.get(ValueLayout.JAVA_BYTE, k) == '/') {
                if (k - segmentStart == 2
                        && name.get(ValueLayout.JAVA_BYTE, segmentStart) == '.'
                        && name.get(ValueLayout.JAVA_BYTE, segmentStart + 1) == '.') {
                    return failed(request, HttpStatus.BAD_REQUEST, "the path holds a '..' segment");
                }
                segmentStart = k + 1;
            }
        }
        return true;
    }

    private boolean headerField(HttpRequest request, int start, int end) {
        final MemorySegment buffer = request.buffer();
        if (Ascii.isWhitespace(at(buffer, start))) {
            return failed(
                    request, HttpStatus.BAD_REQUEST, "a header line starts with whitespace (obsolete line folding)");
        }
        if (++request.headerCount > limits.headerCount()) {
            return failed(
                    request,
                    HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "the request has more header fields than allowed");
        }
        int i = start;
        while (i < end && Ascii.isToken(at(buffer, i))) {
            i++;
        }
        if (i == end || at(buffer, i) != Ascii.COLON || i == start) {
            return failed(
                    request, HttpStatus.BAD_REQUEST, "a header name is empty, not a token, or not followed by ':'");
        }
        final int nameLength = i - start;
        int valueStart = i + 1;
        int valueEnd = end;
        while (valueStart < valueEnd && Ascii.isWhitespace(at(buffer, valueStart))) {
            valueStart++;
        }
        while (valueEnd > valueStart && Ascii.isWhitespace(at(buffer, valueEnd - 1))) {
            valueEnd--;
        }
        for (int k = valueStart; k < valueEnd; k++) {
            if (!Ascii.isFieldValue(at(buffer, k))) {
                return failed(request, HttpStatus.BAD_REQUEST, "a header value holds a control byte");
            }
        }
        final int valueLength = valueEnd - valueStart;
        switch (nameLength) {
            case 4 -> {
                if (Ascii.equalsIgnoreCase(buffer, start, nameLength, HOST)) {
                    if (request.hostOffset != ABSENT) {
                        return failed(request, HttpStatus.BAD_REQUEST, "the request has more than one Host field");
                    }
                    request.hostOffset = valueStart;
                    request.hostLength = valueLength;
                }
            }
            case 5 -> {
                if (Ascii.equalsIgnoreCase(buffer, start, nameLength, RANGE)) {
                    if (request.rangeOffset != ABSENT) {
                        request.rangeRepeated = true;
                    }
                    request.rangeOffset = valueStart;
                    request.rangeLength = valueLength;
                }
            }
            case 6 -> {
                if (Ascii.equalsIgnoreCase(buffer, start, nameLength, EXPECT)
                        && Ascii.equalsIgnoreCase(buffer, valueStart, valueLength, CONTINUE)) {
                    request.expectContinue = true;
                }
            }
            case 8 -> {
                if (Ascii.equalsIgnoreCase(buffer, start, nameLength, IF_RANGE) && request.ifRangeOffset == ABSENT) {
                    request.ifRangeOffset = valueStart;
                    request.ifRangeLength = valueLength;
                }
            }
            case 10 -> {
                if (Ascii.equalsIgnoreCase(buffer, start, nameLength, CONNECTION)) {
                    connectionOptions(request, valueStart, valueEnd);
                }
            }
            case 13 -> {
                if (Ascii.equalsIgnoreCase(buffer, start, nameLength, IF_NONE_MATCH)
                        && request.ifNoneMatchOffset == ABSENT) {
                    request.ifNoneMatchOffset = valueStart;
                    request.ifNoneMatchLength = valueLength;
                }
            }
            case 14 -> {
                if (Ascii.equalsIgnoreCase(buffer, start, nameLength, CONTENT_LENGTH)) {
                    return contentLength(request, valueStart, valueEnd);
                }
            }
            case 17 -> {
                if (Ascii.equalsIgnoreCase(buffer, start, nameLength, TRANSFER_ENCODING)) {
                    return failed(
                            request,
                            HttpStatus.NOT_IMPLEMENTED,
                            "request bodies with a Transfer-Encoding are not accepted");
                }
                if (Ascii.equalsIgnoreCase(buffer, start, nameLength, IF_MODIFIED_SINCE)
                        && request.ifModifiedSinceOffset == ABSENT) {
                    request.ifModifiedSinceOffset = valueStart;
                    request.ifModifiedSinceLength = valueLength;
                }
            }
            default -> {
                // A field the server does not act on.
            }
        }
        return true;
    }

    /** Connection is a comma-separated list of case-insensitive options (RFC 9110 §7.6.1). */
    private static void connectionOptions(HttpRequest request, int start, int end) {
        final MemorySegment buffer = request.buffer();
        int i = start;
        while (i < end) {
            while (i < end && (at(buffer, i) == Ascii.COMMA || Ascii.isWhitespace(at(buffer, i)))) {
                i++;
            }
            int optionStart = i;
            while (i < end && at(buffer, i) != Ascii.COMMA && !Ascii.isWhitespace(at(buffer, i))) {
                i++;
            }
            int optionLength = i - optionStart;
            if (Ascii.equalsIgnoreCase(buffer, optionStart, optionLength, CLOSE)) {
                request.connectionClose = true;
            } else if (Ascii.equalsIgnoreCase(buffer, optionStart, optionLength, KEEP_ALIVE)) {
                request.connectionKeepAlive = true;
            }
        }
    }

    private static boolean contentLength(HttpRequest request, int start, int end) {
        final MemorySegment buffer = request.buffer();
        if (start == end || end - start > MAX_LENGTH_DIGITS) {
            return failed(request, HttpStatus.BAD_REQUEST, "Content-Length is empty or too large");
        }
        long value = 0;
        for (int i = start; i < end; i++) {
            int b = at(buffer, i);
            if (!Ascii.isDigit(b)) {
                return failed(request, HttpStatus.BAD_REQUEST, "Content-Length is not a decimal number");
            }
            value = value * 10 + (b - '0');
        }
        if (request.contentLength != ABSENT && request.contentLength != value) {
            return failed(request, HttpStatus.BAD_REQUEST, "the request has two different Content-Length fields");
        }
        request.contentLength = value;
        return true;
    }

    private boolean endOfHead(HttpRequest request) {
        if (request.minorVersion >= 1 && request.hostOffset == ABSENT) {
            return failed(request, HttpStatus.BAD_REQUEST, "an HTTP/1.1 request has no Host field");
        }
        if (request.contentLength > 0 && request.expectContinue && request.minorVersion >= 1) {
            // HTTP/1.0 clients cannot expect 100 Continue (RFC 9110 §10.1.1: ignore it there).
            request.connectionClose = true;
            request.state = STATE_COMPLETE;
        } else if (request.contentLength > 0) {
            if (request.contentLength > limits.skippedBodyBytes()) {
                return failed(
                        request, HttpStatus.CONTENT_TOO_LARGE, "the request body is larger than the server skips");
            }
            request.bodyRemaining = request.contentLength;
            request.state = STATE_BODY;
        } else {
            request.state = STATE_COMPLETE;
        }
        return true;
    }

    private static boolean failed(HttpRequest request, HttpStatus status, String reason) {
        request.state = STATE_ERROR;
        request.errorStatus = status;
        request.errorReason = reason;
        return false;
    }

    private static ParseResult fail(HttpRequest request, HttpStatus status, String reason) {
        failed(request, status, reason);
        return ParseResult.ERROR;
    }
}
