package dev.atlas.server.http;

/**
 * Limits on what one request may occupy. Every request head (request line and header fields,
 * with their line ends) must fit into {@code requestHeadBytes}, the size of a connection's
 * request buffer: a request line that does not fit is answered 414, header fields that do not
 * fit 431. More than {@code headerCount} header fields is 431. A GET/HEAD request may carry a
 * body (it has no meaning); it is skipped when at most {@code skippedBodyBytes} long, else 413.
 * A request head must be complete {@code headTimeoutNanos} after its first byte (and a new
 * connection's first request that long after the handshake), else it is answered 408 and the
 * connection closes; a keep-alive connection idle between requests for {@code keepAliveTimeoutNanos}
 * is closed. Idle and stalled connections are also the first to make room in a full table.
 *
 * @param requestHeadBytes bytes of request line plus header fields, line ends included
 * @param headerCount      header fields per request
 * @param skippedBodyBytes largest request body that is read and thrown away
 * @param headTimeoutNanos      time from a request head's first byte (or the handshake) to its end
 * @param keepAliveTimeoutNanos time a keep-alive connection may wait for its next request
 */
public record HttpLimits(
        int requestHeadBytes,
        int headerCount,
        long skippedBodyBytes,
        long headTimeoutNanos,
        long keepAliveTimeoutNanos) {
    /** 10 s: a player's head arrives in one segment; a trickling one is an attack or a dead client. */
    public static final long DEFAULT_HEAD_TIMEOUT_NANOS = 10_000_000_000L;
    /** 60 s, the TCP idle timeout's default: players come back for the next segment well within it. */
    public static final long DEFAULT_KEEP_ALIVE_TIMEOUT_NANOS = 60_000_000_000L;
    /** 8 KiB heads, 64 fields, 64 KiB bodies: generous for players, small for a lane's memory. */
    public static final HttpLimits DEFAULT = new HttpLimits(8192, 64, 65536);

    /** Limits with the default timeouts. */
    public HttpLimits(int requestHeadBytes, int headerCount, long skippedBodyBytes) {
        this(
                requestHeadBytes,
                headerCount,
                skippedBodyBytes,
                DEFAULT_HEAD_TIMEOUT_NANOS,
                DEFAULT_KEEP_ALIVE_TIMEOUT_NANOS);
    }

    public HttpLimits {
        if (headTimeoutNanos <= 0 || keepAliveTimeoutNanos <= 0) {
            throw new IllegalArgumentException("request timeouts must be positive, were " + headTimeoutNanos + " and "
                    + keepAliveTimeoutNanos + " ns");
        }
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
