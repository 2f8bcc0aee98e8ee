package dev.atlas.server.lane;

/**
 * The output and timer step of a lane ({@code TcpStack::poll}): decides what to send, fills TX
 * slots and advances timers. Returns a work count so the idle strategy can tell busy from idle.
 */
@FunctionalInterface
public interface LaneWork {
    int doWork(long nowNanos);

    /** Runs once on the lane thread when the lane stops, before its ring closes (reset connections, say goodbye). */
    default void onStop(long nowNanos) {
    }
}
