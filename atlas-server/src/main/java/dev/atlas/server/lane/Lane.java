package dev.atlas.server.lane;

import dev.atlas.server.ring.PacketRing;
import dev.atlas.server.ring.RxSlot;
import org.agrona.concurrent.Agent;

import java.util.Objects;

/**
 * One lane of the appliance (DESIGN.md §3): a single thread that owns one packet ring and runs
 * the duty cycle rx → output/timers → TX sync → TX reap, returning the work done so an Agrona
 * idle strategy can spin, yield or park. Storage steps (plan, disk) join in the data-path issue.
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
    private final FrameSink frames;
    private final LaneWork output;
    private final int rxBatch;
    private final RxSlot rxSlot = new RxSlot();
    private final LaneCounters counters = new LaneCounters();
    private volatile Throwable firstError;

    public Lane(int index, PacketRing ring, FrameSink frames, LaneWork output) {
        this(index, ring, frames, output, DEFAULT_RX_BATCH);
    }

    public Lane(int index, PacketRing ring, FrameSink frames, LaneWork output, int rxBatch) {
        if (rxBatch <= 0) {
            throw new IllegalArgumentException("rxBatch must be positive: " + rxBatch);
        }
        this.index = index;
        this.roleName = threadName(index);
        this.ring = Objects.requireNonNull(ring, "ring");
        this.frames = Objects.requireNonNull(frames, "frames");
        this.output = Objects.requireNonNull(output, "output");
        this.rxBatch = rxBatch;
    }

    /** The name every lane thread carries: {@code atlas-lane-N}. */
    public static String threadName(int index) {
        return "atlas-lane-" + index;
    }

    @Override
    public int doWork() {
        final long now = System.nanoTime();
        final int received = receive(now);
        final int produced = produce(now);
        final int synced = ring.txSync();
        final int reaped = ring.txReap();

        final LaneCounters c = counters;
        c.loops++;
        c.txSynced += synced;
        c.txReaped += reaped;
        final int work = received + produced + synced + reaped;
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
                frames.onFrame(slot, now);
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

    private int produce(long now) {
        try {
            final int work = output.doWork(now);
            counters.outputWork += work;
            return work;
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

    /** On the lane thread as it stops: lets the output step say goodbye, flushes the ring, closes it. */
    @Override
    public void onClose() {
        try {
            output.onStop(System.nanoTime());
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
