package dev.atlas.server.lane;

/**
 * The steps of the Atlas loop (DESIGN.md §3) that a {@link Lane} runs in order on every pass,
 * each returning a work count so the idle strategy can tell a busy pass from an idle one. The
 * receive step is {@link FrameSink#onFrame}, called once per frame; the ring's TX sync and reap
 * (step 5) the lane does itself. A lane that has no part in a step (no drives, say) does nothing there.
 */
public interface LaneSteps extends FrameSink {
    /** Step 2: decides which bytes the connections' open windows let them read from the drives, and submits those reads. */
    default int plan(long nowNanos) {
        return 0;
    }

    /** Step 3: drive completions: chunks become ready and their connections are woken. */
    default int complete(long nowNanos) {
        return 0;
    }

    /** Step 4: builds frames from what is in memory and queues them on the TX ring. */
    default int output(long nowNanos) {
        return 0;
    }

    /** Step 6: fires due timers (retransmission, persist, delayed ACK, idle, TIME_WAIT). */
    default int timers(long nowNanos) {
        return 0;
    }

    /** Runs once on the lane thread when the lane stops, before its ring closes (reset connections, say goodbye). */
    default void onStop(long nowNanos) {}
}
