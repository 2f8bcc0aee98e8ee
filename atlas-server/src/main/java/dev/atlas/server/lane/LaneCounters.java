package dev.atlas.server.lane;

/**
 * Plain counters of one lane, written only by the lane thread. Other threads (stats printers,
 * metrics) read them racily: a 64-bit JVM never tears a long, and a slightly stale value is fine.
 */
public final class LaneCounters {
    private static final java.lang.invoke.VarHandle LOOPS;

    static {
        try {
            LOOPS = java.lang.invoke.MethodHandles.lookup().findVarHandle(LaneCounters.class, "loops", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Duty-cycle passes in total. */
    public long loops;
    /** Passes that did some work. */
    public long busyLoops;
    /** Passes that did nothing and let the idle strategy back off. */
    public long idleLoops;
    /** Frames taken off the RX ring. */
    public long rxFrames;
    /** Connections the plan step asked the drives' bytes for. */
    public long planned;
    /** Drive completions and buffer wake-ups of the completion step. */
    public long completions;
    /** Frames built by the output step. */
    public long outputWork;
    /** Timers fired by the timer step. */
    public long timersFired;
    /** TX slots handed to the backend. */
    public long txSynced;
    /** TX slots the backend finished with. */
    public long txReaped;
    /** Frames whose handler threw: counted and skipped so one bad frame cannot stop the lane. */
    public long frameErrors;
    /** Passes whose plan, completion, output or timer step threw: counted; the lane keeps running. */
    public long outputErrors;

    /** One line for logs and the stats file, e.g. {@code loops=… busy=… idle=… rx=…}. */
    public String describe() {
        return "loops=" + loops + " busy=" + busyLoops + " idle=" + idleLoops + " rxFrames=" + rxFrames
                + " planned=" + planned + " completions=" + completions + " outputWork=" + outputWork + " timersFired="
                + timersFired + " txSynced=" + txSynced + " txReaped=" + txReaped
                + " frameErrors=" + frameErrors + " outputErrors=" + outputErrors;
    }

    /**
     * {@link #loops} read from another thread that waits for it to move (an opaque load: never
     * hoisted out of the waiting loop).
     */
    public long loopsSeen() {
        return (long) LOOPS.getOpaque(this);
    }
}
