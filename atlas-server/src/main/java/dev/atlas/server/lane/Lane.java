package dev.atlas.server.lane;

import dev.atlas.server.ring.PacketRing;
import dev.atlas.server.ring.RxSlot;
import java.util.Objects;
import org.agrona.concurrent.Agent;

/**
 * One lane of the appliance (DESIGN.md §3): a single thread that owns one packet ring and runs
 * the Atlas loop — receive, plan, drive completions, output, TX sync and reap, timers — in
 * {@link #doWork()}, returning the work done so an Agrona idle strategy can spin, yield or park.
 * What each step does is the {@link LaneSteps}' business; the order and the accounting are here.
 *
 * <p>Everything the lane touches is owned by its thread; {@link #counters()} may be read racily
 * from elsewhere. {@link #doWork()} neither allocates nor blocks.
 */
public final class Lane implements Agent {
    /** Frames handled per pass before output gets its turn, so a receive burst cannot starve ACK-clocked sends. */
    public static final int DEFAULT_RX_BATCH = 256;

    private final int index;
    private final String roleName;
    private final PacketRing ring;
    private final LaneSteps steps;
    private final int rxBatch;
    private final RxSlot rxSlot = new RxSlot();
    private final LaneCounters counters = new LaneCounters();
    private volatile Throwable firstError;

    public Lane(int index, PacketRing ring, LaneSteps steps) {
        this(index, ring, steps, DEFAULT_RX_BATCH);
    }

    public Lane(int index, PacketRing ring, LaneSteps steps, int rxBatch) {
        if (rxBatch <= 0) {
            throw new IllegalArgumentException("rxBatch must be positive: " + rxBatch);
        }
        this.index = index;
        this.roleName = threadName(index);
        this.ring = Objects.requireNonNull(ring, "ring");
        this.steps = Objects.requireNonNull(steps, "steps");
        this.rxBatch = rxBatch;
    }

    /** The name every lane thread carries: {@code atlas-lane-N}. */
    public static String threadName(int index) {
        return "atlas-lane-" + index;
    }

    /** One pass of the Atlas loop; returns the work it did. */
    @Override
    public int doWork() {
        final long now = System.nanoTime();
        // 1. receive: frames → Ethernet, ARP, IPv4 → TCP input (ACKs open windows) → request bytes
        final int received = receive(now);
        int planned = 0;
        int completed = 0;
        int sent = 0;
        try {
            // 2. plan: read from the drives what the opened windows let the connections send
            planned = steps.plan(now);
            // 3. drive completions: chunks ready, their connections woken
            completed = steps.complete(now);
            // 4. output: frames from the bytes in memory onto the TX ring
            sent = steps.output(now);
        } catch (RuntimeException e) {
            counters.outputErrors++;
            noteError(e);
        }
        // 5. TX sync and reap: hand the frames to the backend, take back the slots it is done with
        final int synced = ring.txSync();
        final int reaped = ring.txReap();
        // 6. timers: retransmissions, persist probes, delayed ACKs, idle and TIME_WAIT expiry
        final int fired = timers(now);

        final LaneCounters c = counters;
        c.loops++;
        c.planned += planned;
        c.completions += completed;
        c.outputWork += sent;
        c.timersFired += fired;
        c.txSynced += synced;
        c.txReaped += reaped;
        final int work = received + planned + completed + sent + synced + reaped + fired;
        if (work > 0) {
            c.busyLoops++;
        } else {
            c.idleLoops++;
        }
        return work;
    }

    private int receive(long now) {
        if (ring.rxSync() == 0) {
            return 0;
        }
        int taken = 0;
        final RxSlot slot = rxSlot;
        while (taken < rxBatch && ring.rxNext(slot)) {
            taken++;
            try {
                steps.onFrame(slot, now);
            } catch (RuntimeException | StackOverflowError e) {
                // A bug triggered by one frame must not stop the lane or its other connections.
                counters.frameErrors++;
                noteError(e);
            }
        }
        ring.rxRelease();
        counters.rxFrames += taken;
        return taken;
    }

    private int timers(long now) {
        try {
            return steps.timers(now);
        } catch (RuntimeException e) {
            counters.outputErrors++;
            noteError(e);
            return 1;
        }
    }

    private void noteError(Throwable e) {
        if (firstError == null) {
            firstError = e;
            // Unexpected by construction (input is validated before it reaches handlers): say so once.
            System.err.println(roleName + ": handler failed, frame dropped (further failures only counted): " + e);
            e.printStackTrace(System.err);
        }
    }

    /** On the lane thread as it stops: lets the steps say goodbye, flushes the ring, closes it. */
    @Override
    public void onClose() {
        try {
            steps.onStop(System.nanoTime());
            ring.txSync();
        } catch (RuntimeException e) {
            noteError(e);
        } finally {
            ring.close();
        }
    }

    @Override
    public String roleName() {
        return roleName;
    }

    public int index() {
        return index;
    }

    public PacketRing ring() {
        return ring;
    }

    public LaneCounters counters() {
        return counters;
    }

    /** The first handler failure seen, or {@code null}: for tests and diagnostics. */
    public Throwable firstError() {
        return firstError;
    }
}
