package dev.atlas.server.http;

/**
 * Plain counters of one lane's HTTP server (single writer: the lane; read racily by metrics and
 * the stats file).
 */
public final class HttpCounters {
    private final long[] responses = new long[HttpStatus.values().length];
    /** Complete requests parsed (malformed ones are counted in {@link #malformed}). */
    public long requests;
    /** Requests the parser refused (answered with their 4xx/5xx, then the connection closes). */
    public long malformed;
    /** Connections reset because they pipelined too deep, or no request slot was free. */
    public long refused;
    /** Body bytes queued (regenerated from the drives as windows open). */
    public long bodyBytesQueued;
    /** Response bytes (heads and bodies) the clients acknowledged. */
    public long responseBytes;
    /** Responses whose connection died before the client acknowledged all of them. */
    public long incomplete;
    /** Responses done with: acknowledged in full, or cut short ({@link #incomplete}). Queued minus this is in flight. */
    public long finished;

    void count(HttpStatus status) {
        responses[status.ordinal()]++;
    }

    /** Responses answered with {@code status} (queued; their bytes may still be on their way). */
    public long responses(HttpStatus status) {
        return responses[status.ordinal()];
    }
}
