package dev.atlas.server.mgmt;

import dev.atlas.server.lane.LaneCounters;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Exposes a lane's duty-cycle counters ({@link LaneCounters}). Loads are opaque: never torn,
 * never hoisted, and with no fence, since nothing else is published through a counter.
 */
public final class LaneCounterSource implements CounterSource {
    private static final VarHandle LOOPS = field("loops");
    private static final VarHandle BUSY_LOOPS = field("busyLoops");
    private static final VarHandle IDLE_LOOPS = field("idleLoops");
    private static final VarHandle RX_FRAMES = field("rxFrames");
    private static final VarHandle TX_SYNCED = field("txSynced");
    private static final VarHandle TX_REAPED = field("txReaped");
    private static final VarHandle FRAME_ERRORS = field("frameErrors");
    private static final VarHandle OUTPUT_ERRORS = field("outputErrors");

    private final LaneCounters counters;

    public LaneCounterSource(LaneCounters counters) {
        this.counters = counters;
    }

    private static VarHandle field(String name) {
        try {
            return MethodHandles.publicLookup().findVarHandle(LaneCounters.class, name, long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    public void registerTo(LaneMeters meters) {
        meters.counter("atlas_lane_loops_total", "Duty-cycle passes of the lane.", () ->
                        (long) LOOPS.getOpaque(counters))
                .counter("atlas_lane_busy_loops_total", "Lane passes that did work.", () ->
                        (long) BUSY_LOOPS.getOpaque(counters))
                .counter("atlas_lane_idle_loops_total", "Lane passes that found no work.", () ->
                        (long) IDLE_LOOPS.getOpaque(counters))
                .counter("atlas_rx_frames_total", "Frames taken off the RX ring.", () ->
                        (long) RX_FRAMES.getOpaque(counters))
                .counter("atlas_tx_frames_total", "Frames handed to the TX ring.", () ->
                        (long) TX_SYNCED.getOpaque(counters))
                .counter("atlas_tx_reaped_frames_total", "TX frames the backend finished with.", () ->
                        (long) TX_REAPED.getOpaque(counters))
                .counter(
                        "atlas_lane_errors_total",
                        "Frames or output passes that failed and were skipped.",
                        "step",
                        "frame",
                        () -> (long) FRAME_ERRORS.getOpaque(counters))
                .counter(
                        "atlas_lane_errors_total",
                        "Frames or output passes that failed and were skipped.",
                        "step",
                        "output",
                        () -> (long) OUTPUT_ERRORS.getOpaque(counters));
    }
}
