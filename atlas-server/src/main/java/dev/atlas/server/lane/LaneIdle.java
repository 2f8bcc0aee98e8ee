package dev.atlas.server.lane;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * How an idle lane waits. {@code spin} burns its core for the lowest latency (dedicated cores);
 * {@code backoff} spins, yields, then parks up to {@link #MAX_PARK_NANOS} — the default, because
 * lanes often share cores with tests, builds and peers.
 */
public enum LaneIdle {
    SPIN,
    BACKOFF;

    static final long MAX_SPINS = 200;
    static final long MAX_YIELDS = 50;
    static final long MIN_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(1);
    /** Bounded so timers (delayed ACK, RTO) fire promptly even on an idle lane. */
    static final long MAX_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    public IdleStrategy newStrategy() {
        return switch (this) {
            case SPIN -> new BusySpinIdleStrategy();
            case BACKOFF -> new BackoffIdleStrategy(MAX_SPINS, MAX_YIELDS, MIN_PARK_NANOS, MAX_PARK_NANOS);
        };
    }

    /** Parses {@code spin} or {@code backoff}, case-insensitively. */
    public static LaneIdle parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "spin" -> SPIN;
            case "backoff" -> BACKOFF;
            default -> throw new IllegalArgumentException("idle strategy must be spin or backoff, not '" + text + "'");
        };
    }
}
