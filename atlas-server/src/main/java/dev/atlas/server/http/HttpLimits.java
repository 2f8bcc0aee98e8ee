package dev.atlas.server.http;

/**
 * Limits on what one request may occupy. Every request head (request line and header fields,
 * with their line ends) must fit into {@code requestHeadBytes}, the size of a connection's
 * request buffer: a request line that does not fit is answered 414, header fields that do not
 * fit 431. More than {@code headerCount} header fields is 431. A GET/HEAD request may carry a
 * body (it has no meaning); it is skipped when at most {@code skippedBodyBytes} long, else 413.
 *
 * @param requestHeadBytes bytes of request line plus header fields, line ends included
 * @param headerCount      header fields per request
 * @param skippedBodyBytes largest request body that is read and thrown away
 */
public record HttpLimits(int requestHeadBytes, int headerCount, long skippedBodyBytes) {
    /** 8 KiB heads, 64 fields, 64 KiB bodies: generous for players, small for a lane's memory. */
    public static final HttpLimits DEFAULT = new HttpLimits(8192, 64, 65536);

    public HttpLimits {
        if (requestHeadBytes < 64) {
            throw new IllegalArgumentException("requestHeadBytes must be at least 64, was " + requestHeadBytes);
        }
        if (headerCount < 1) {
            throw new IllegalArgumentException("headerCount must be at least 1, was " + headerCount);
        }
        if (skippedBodyBytes < 0) {
            throw new IllegalArgumentException("skippedBodyBytes must not be negative, was " + skippedBodyBytes);
        }
    }
}
