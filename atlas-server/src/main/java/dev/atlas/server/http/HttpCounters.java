package dev.atlas.server.http;

/**
 * Plain counters of one lane's HTTP server (single writer: the lane; read racily by metrics and
 * the stats file).
 */
public final class HttpCounters {
    private static final HttpStatus[] STATUSES = HttpStatus.values();
    private static final RequestOutcome[] OUTCOMES = RequestOutcome.values();
    private static final int MAX_CODE = 600;
    /** Status code → ordinal, so ending a response by its stored code needs no search. */
    private static final int[] ORDINAL_OF_CODE = new int[MAX_CODE];

    static {
        java.util.Arrays.fill(ORDINAL_OF_CODE, -1);
        for (HttpStatus status : STATUSES) {
            ORDINAL_OF_CODE[status.code()] = status.ordinal();
        }
    }

    private final long[] responses = new long[STATUSES.length];
    /** Ended requests by outcome (major) and status (minor). */
    private final long[] ended = new long[OUTCOMES.length * STATUSES.length];
    /** Complete requests answered (malformed ones are counted in {@link #malformed}). */
    public long requests;
    /** Requests the parser refused (answered with their 4xx/5xx, then the connection closes). */
    public long malformed;
    /** Connections reset because no request slot was free, or a response could not be queued. */
    public long refused;
    /** Body bytes queued (regenerated from the drives as windows open). */
    public long bodyBytesQueued;
    /** Response bytes (heads and bodies) the clients acknowledged. */
    public long responseBytes;
    /** Responses whose connection died before the client acknowledged all of them. */
    public long incomplete;
    /** Responses done with: acknowledged in full, or cut short ({@link #incomplete}). Queued minus this is in flight. */
    public long finished;
    /** Requests that waited for room to queue their answer (a client pipelining deeper than the queue). */
    public long pipelineWaits;
    /** Request bytes refused (not acknowledged, so sent again) because a connection could hold no more. */
    public long inputDeclinedBytes;

    void count(HttpStatus status) {
        responses[status.ordinal()]++;
    }

    /** A queued response ended: acknowledged in full, or cut short by the client or the server. */
    void ended(RequestOutcome outcome, int statusCode) {
        final int ordinal = statusCode >= 0 && statusCode < MAX_CODE ? ORDINAL_OF_CODE[statusCode] : -1;
        if (ordinal >= 0) {
            ended[outcome.ordinal() * STATUSES.length + ordinal]++;
        }
    }

    /** Responses answered with {@code status} (queued; their bytes may still be on their way). */
    public long responses(HttpStatus status) {
        return responses[status.ordinal()];
    }

    /** Requests answered with {@code status} that ended with {@code outcome}. */
    public long ended(RequestOutcome outcome, HttpStatus status) {
        return ended[outcome.ordinal() * STATUSES.length + status.ordinal()];
    }

    /** Requests that ended with {@code outcome}, whatever their status. */
    public long ended(RequestOutcome outcome) {
        long sum = 0;
        for (int i = outcome.ordinal() * STATUSES.length, end = i + STATUSES.length; i < end; i++) {
            sum += ended[i];
        }
        return sum;
    }
}
