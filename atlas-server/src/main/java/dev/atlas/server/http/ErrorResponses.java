package dev.atlas.server.http;

import java.lang.foreign.MemorySegment;

/**
 * Canned error responses with small text bodies: the status, Date, Server, CORS (so browser
 * players can read the error), "Cache-Control: no-store", and the field each status needs
 * (Allow on 405, "Content-Range: bytes *&#47;length" on 416, Retry-After on 503). Every method
 * writes into a send buffer and returns the bytes written, or -1 if they did not fit.
 * Parse errors ({@link HttpRequest#errorStatus()}) always close the connection.
 */
public final class ErrorResponses {
    private static final byte[] TEXT_PLAIN = Ascii.bytes("text/plain; charset=utf-8");
    private static final byte[] NO_STORE = Ascii.bytes("no-store");

    private final ResponseHead head;
    private final boolean optionsAllowed;

    /** Canned errors for a server that answers GET and HEAD only. */
    public ErrorResponses(ResponseHead head) {
        this(head, false);
    }

    /** @param optionsAllowed the server also answers OPTIONS (its 405s list it in Allow) */
    public ErrorResponses(ResponseHead head, boolean optionsAllowed) {
        this.head = head;
        this.optionsAllowed = optionsAllowed;
    }

    /** The answer to a request the parser refused: its status, then the connection closes. */
    public int parseError(MemorySegment buffer, long offset, long capacity, HttpRequest request) {
        HttpStatus status = request.errorStatus() == null ? HttpStatus.BAD_REQUEST : request.errorStatus();
        return write(buffer, offset, capacity, status, false, true);
    }

    public int notFound(MemorySegment buffer, long offset, long capacity, boolean keepAlive, boolean withBody) {
        return write(buffer, offset, capacity, HttpStatus.NOT_FOUND, keepAlive, withBody);
    }

    /** 405 with "Allow: GET, HEAD" (and OPTIONS when the server answers it). */
    public int methodNotAllowed(MemorySegment buffer, long offset, long capacity, boolean keepAlive) {
        final ResponseHead h = begin(buffer, offset, capacity, HttpStatus.METHOD_NOT_ALLOWED, keepAlive);
        if (optionsAllowed) {
            h.allowWithOptions();
        } else {
            h.allow();
        }
        return finish(HttpStatus.METHOD_NOT_ALLOWED, true);
    }

    /** 416 with "Content-Range: bytes *&#47;completeLength". */
    public int rangeNotSatisfiable(
            MemorySegment buffer,
            long offset,
            long capacity,
            boolean keepAlive,
            boolean withBody,
            long completeLength) {
        begin(buffer, offset, capacity, HttpStatus.RANGE_NOT_SATISFIABLE, keepAlive)
                .unsatisfiedRange(completeLength);
        return finish(HttpStatus.RANGE_NOT_SATISFIABLE, withBody);
    }

    /** 503 while draining or overloaded, with Retry-After; the connection closes. */
    public int serviceUnavailable(
            MemorySegment buffer, long offset, long capacity, boolean withBody, long retryAfterSeconds) {
        begin(buffer, offset, capacity, HttpStatus.SERVICE_UNAVAILABLE, false).retryAfter(retryAfterSeconds);
        return finish(HttpStatus.SERVICE_UNAVAILABLE, withBody);
    }

    /**
     * Any status with its canned body.
     *
     * @param withBody false for HEAD requests (Content-Length still says what GET would send)
     */
    public int write(
            MemorySegment buffer, long offset, long capacity, HttpStatus status, boolean keepAlive, boolean withBody) {
        begin(buffer, offset, capacity, status, keepAlive);
        return finish(status, withBody);
    }

    private ResponseHead begin(MemorySegment buffer, long offset, long capacity, HttpStatus status, boolean keepAlive) {
        return head.wrap(buffer, offset, capacity)
                .status(status)
                .date()
                .server()
                .cors()
                .cacheControl(NO_STORE)
                .connection(keepAlive);
    }

    private int finish(HttpStatus status, boolean withBody) {
        byte[] body = status.body();
        head.contentType(TEXT_PLAIN).contentLength(body.length);
        int length = head.end();
        return withBody && length >= 0 ? head.body(body) : length;
    }
}
