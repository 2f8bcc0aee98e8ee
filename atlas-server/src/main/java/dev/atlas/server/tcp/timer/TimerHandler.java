package dev.atlas.server.tcp.timer;

/** Receives expired timers from a {@link HashedTimingWheel}; implemented by the owner, never a capturing lambda. */
@FunctionalInterface
public interface TimerHandler {
    /** Timer {@code timerId} reached its deadline; it is no longer scheduled (the handler may schedule it again). */
    void onTimer(int timerId, long nowNanos);
}
