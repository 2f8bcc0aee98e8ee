package dev.atlas.server.http;

import org.agrona.concurrent.EpochClock;

/**
 * The Date header value for the current second, formatted once per second rather than once per
 * response. One per lane (not thread-safe).
 */
public final class CachedDate {
    private static final long MILLIS_PER_SECOND = 1000;

    private final EpochClock clock;
    private final byte[] text = new byte[HttpDate.LENGTH];
    private long second = Long.MIN_VALUE;

    public CachedDate(EpochClock clock) {
        this.clock = clock;
    }

    /** IMF-fixdate of now; the array is reused, copy it out before the next call. */
    public byte[] now() {
        long current = Math.floorDiv(clock.time(), MILLIS_PER_SECOND);
        if (current != second) {
            HttpDate.format(current, text, 0);
            second = current;
        }
        return text;
    }

    /** The clock's time in whole seconds since the epoch. */
    public long epochSecond() {
        return Math.floorDiv(clock.time(), MILLIS_PER_SECOND);
    }
}
