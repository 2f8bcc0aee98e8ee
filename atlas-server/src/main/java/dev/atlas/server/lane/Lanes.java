package dev.atlas.server.lane;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.AgentRunner;

/**
 * Runs N lanes, one thread each ({@code atlas-lane-N}). In the server every lane owns one member
 * of the same {@code PACKET_FANOUT_HASH} group, so the kernel spreads flows over lanes. {@link
 * #close()} stops the threads, then closes each lane's ring.
 */
public final class Lanes implements AutoCloseable {
    private final List<Lane> lanes;
    private final List<AgentRunner> runners;
    private final AtomicLong agentErrors = new AtomicLong();

    private Lanes(List<Lane> lanes, LaneIdle idle, boolean pin) {
        this.lanes = List.copyOf(lanes);
        this.runners = new ArrayList<>(lanes.size());
        final int cpus = Runtime.getRuntime().availableProcessors();
        for (Lane lane : this.lanes) {
            final int cpu = pin ? lane.index() % cpus : -1;
            final AgentRunner runner =
                    new AgentRunner(idle.newStrategy(), this::onAgentError, null, new PinningAgent(lane, cpu));
            runners.add(runner);
        }
    }

    /** Starts one thread per lane. */
    public static Lanes start(List<Lane> lanes, LaneIdle idle, boolean pinToCpus) {
        final Lanes started = new Lanes(lanes, idle, pinToCpus);
        for (int i = 0; i < started.runners.size(); i++) {
            final String name = started.lanes.get(i).roleName();
            AgentRunner.startOnThread(started.runners.get(i), r -> {
                final Thread t = new Thread(r, name);
                t.setDaemon(false);
                return t;
            });
        }
        return started;
    }

    private void onAgentError(Throwable e) {
        // Lane.doWork contains its own failures; anything reaching here is a lane bug.
        if (agentErrors.getAndIncrement() == 0) {
            System.err.println("atlas lane failed (further failures only counted): " + e);
            e.printStackTrace(System.err);
        }
    }

    public List<Lane> lanes() {
        return lanes;
    }

    /**
     * Heap bytes lane {@code index}'s thread has allocated so far (HotSpot's per-thread TLAB
     * accounting), or -1 when unknown: the steady-state figure must stay flat.
     */
    public long allocatedBytes(int index) {
        final Thread thread = runners.get(index).thread();
        if (thread == null
                || thread == AgentRunner.TOMBSTONE
                || !(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean)) {
            return -1;
        }
        return bean.getThreadAllocatedBytes(thread.threadId());
    }

    /** Failures that escaped a lane's own containment. */
    public long agentErrors() {
        return agentErrors.get();
    }

    @Override
    public void close() {
        for (AgentRunner runner : runners) {
            runner.close();
        }
    }

    /** Pins the lane thread on start when asked; otherwise the lane itself. */
    private static final class PinningAgent implements org.agrona.concurrent.Agent {
        private final Lane lane;
        private final int cpu;

        PinningAgent(Lane lane, int cpu) {
            this.lane = lane;
            this.cpu = cpu;
        }

        @Override
        public void onStart() {
            if (cpu >= 0 && !CpuAffinity.pinCurrentThread(cpu)) {
                System.err.println(lane.roleName() + ": could not pin to CPU " + cpu + "; running unpinned");
            }
            lane.onStart();
        }

        @Override
        public int doWork() {
            return lane.doWork();
        }

        @Override
        public void onClose() {
            lane.onClose();
        }

        @Override
        public String roleName() {
            return lane.roleName();
        }
    }
}
