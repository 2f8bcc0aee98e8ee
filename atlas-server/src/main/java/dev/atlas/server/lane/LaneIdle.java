package dev.atlas.server.lane;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * How an idle lane waits. {@code park}, the default, spins a little and then sleeps, from
 * {@link #MIN_SLEEP_NANOS} up to {@link #MAX_PARK_NANOS}, without yielding: a yield returns at
 * once when nothing else wants the core, so a lane waiting for its drive reads under
 * {@code backoff} (spin, yield, then park up to {@link #MAX_PARK_NANOS}) keeps a core busy,
 * which a shared machine and the CPU time per byte served pay for. {@code spin} burns its core
 * for the lowest latency (dedicated cores).
 */
public enum LaneIdle {
    SPIN,
    BACKOFF,
    PARK;

    static final long MAX_SPINS = 200;
    static final long MAX_YIELDS = 50;
    static final long MIN_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(1);
    /** Bounded so timers (delayed ACK, RTO) fire promptly even on an idle lane. */
    static final long MAX_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
    /** {@code park}: spins before the first sleep (a pass with work usually follows within them under load). */
    static final long PARK_SPINS = 50;
    /** {@code park}: the first sleep; the kernel's timer slack makes shorter ones this long anyway. */
    static final long MIN_SLEEP_NANOS = TimeUnit.MICROSECONDS.toNanos(20);

    public IdleStrategy newStrategy() {
        return switch (this) {
            case SPIN -> new BusySpinIdleStrategy();
            case BACKOFF -> new BackoffIdleStrategy(MAX_SPINS, MAX_YIELDS, MIN_PARK_NANOS, MAX_PARK_NANOS);
            case PARK -> new BackoffIdleStrategy(PARK_SPINS, 0, MIN_SLEEP_NANOS, MAX_PARK_NANOS);
        };
    }

    /** Parses {@code spin}, {@code backoff} or {@code park}, case-insensitively. */
    public static LaneIdle parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "spin" -> SPIN;
            case "backoff" -> BACKOFF;
            case "park" -> PARK;
            default ->
                throw new IllegalArgumentException("idle strategy must be spin, backoff or park, not '" + text + "'");
        };
    }
}
