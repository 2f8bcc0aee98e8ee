package dev.atlas.server.mgmt;

/**
 * Something that owns counters (a lane, its TCP stack, its disk queues) and can describe them
 * to the metrics registry once, at start-up. The source registers a reader per counter; the
 * registry calls the readers on each scrape, from the management thread.
 * <p>
 * Counters are plain {@code long} fields with a single writer (the lane). Reading them from the
 * management thread without a lock or fence is fine: a 64-bit JVM does not tear a long; each
 * scrape is a fresh call, so the JIT cannot hoist the load out of a loop; a value a few
 * microseconds stale is indistinguishable from a scrape a few microseconds earlier; and no
 * other memory is published through a counter, so no ordering is needed. Readers may use a
 * {@code VarHandle} opaque load to make the "not torn, not hoisted" part explicit.
 */
@FunctionalInterface
public interface CounterSource {
    /** Registers this source's meters; called once per lane. */
    void registerTo(LaneMeters meters);
}
