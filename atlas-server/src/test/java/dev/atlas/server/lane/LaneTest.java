package dev.atlas.server.lane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.server.memory.MemoryWire;
import dev.atlas.server.ring.PacketRing;
import dev.atlas.server.ring.RxSlot;
import dev.atlas.server.ring.TxSlot;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The lane's duty cycle over real memory-wire rings: work counting, failure containment, threads, allocation. */
class LaneTest {
    private static final int FRAME_LENGTH = 60;
    /** Where the test frames carry their marker byte (after the Ethernet header). */
    private static final int MARKER_OFFSET = 14;

    private static final byte POISON = 0x66;

    /** Sends {@code count} frames from {@code ring}; frame k carries marker {@code markers[k % markers.length]}. */
    private static void send(PacketRing ring, int count, byte... markers) {
        final TxSlot slot = new TxSlot();
        for (int k = 0; k < count; k++) {
            assertTrue(ring.txClaim(slot), "TX ring full");
            slot.frame().asSlice(0, FRAME_LENGTH).fill((byte) 0);
            slot.frame().set(ValueLayout.JAVA_BYTE, MARKER_OFFSET, markers[k % markers.length]);
            slot.length(FRAME_LENGTH);
            ring.txCommit(slot);
        }
        ring.txSync();
        ring.txReap();
    }

    /** Steps that hand frames to {@code sink} and whose output step is {@code output}. */
    private static LaneSteps steps(FrameSink sink, java.util.function.LongToIntFunction output) {
        return new LaneSteps() {
            @Override
            public int onFrame(RxSlot slot, long nowNanos) {
                return sink.onFrame(slot, nowNanos);
            }

            @Override
            public int output(long nowNanos) {
                return output.applyAsInt(nowNanos);
            }
        };
    }

    @Test
    void countsWorkPerPassAndIdlesWhenThereIsNone() {
        try (MemoryWire wire = new MemoryWire()) {
            final long[] seen = new long[1];
            final Lane lane = new Lane(
                    0,
                    wire.a(),
                    steps(
                            (slot, now) -> {
                                seen[0]++;
                                return 1;
                            },
                            now -> 0));
            assertEquals(0, lane.doWork());
            assertEquals(1, lane.counters().idleLoops);

            send(wire.b(), 5, (byte) 1);
            assertEquals(5, lane.doWork(), "five frames were the pass's work");
            assertEquals(5, seen[0]);
            assertEquals(5, lane.counters().rxFrames);
            assertEquals(1, lane.counters().busyLoops);
            assertEquals(0, lane.doWork(), "released frames are not seen twice");
        }
    }

    @Test
    void aBatchLimitLeavesTheRestForTheNextPass() {
        try (MemoryWire wire = new MemoryWire()) {
            final Lane lane = new Lane(0, wire.a(), steps((slot, now) -> 1, now -> 0), 4);
            send(wire.b(), 10, (byte) 1);
            assertEquals(4, lane.doWork());
            assertEquals(4, lane.doWork());
            assertEquals(2, lane.doWork());
            assertEquals(10, lane.counters().rxFrames);
        }
    }

    @Test
    void aThrowingHandlerIsCountedAndTheOtherFramesAreStillHandled() {
        try (MemoryWire wire = new MemoryWire()) {
            final List<Byte> handled = new ArrayList<>();
            final FrameSink sink = (slot, now) -> {
                final byte marker = slot.frame().get(ValueLayout.JAVA_BYTE, MARKER_OFFSET);
                if (marker == POISON) {
                    throw new IllegalStateException("handler bug triggered by one frame");
                }
                handled.add(marker);
                return 1;
            };
            final int[] outputCalls = new int[1];
            final Lane lane = new Lane(0, wire.a(), steps(sink, now -> {
                if (++outputCalls[0] == 1) {
                    throw new IllegalStateException("output bug");
                }
                return 0;
            }));
            send(wire.b(), 6, (byte) 1, POISON, (byte) 2);
            lane.doWork();
            lane.doWork();
            assertEquals(List.of((byte) 1, (byte) 2, (byte) 1, (byte) 2), handled);
            assertEquals(2, lane.counters().frameErrors);
            assertEquals(1, lane.counters().outputErrors);
            assertEquals(6, lane.counters().rxFrames);
            assertTrue(lane.firstError() instanceof IllegalStateException);
        }
    }

    @Test
    void lanesRunOnNamedThreadsAndStopCleanly() throws Exception {
        try (MemoryWire first = new MemoryWire(1);
                MemoryWire second = new MemoryWire(2)) {
            final Set<String> threads = ConcurrentHashMap.newKeySet();
            final AtomicLong frames = new AtomicLong();
            final FrameSink sink = (slot, now) -> {
                threads.add(Thread.currentThread().getName());
                frames.incrementAndGet();
                return 1;
            };
            first.useSystemClock();
            second.useSystemClock();
            // A memory wire is single-threaded: queue the frames before the lane threads own the rings.
            send(first.b(), 3, (byte) 1);
            send(second.b(), 4, (byte) 1);
            final Lanes lanes = Lanes.start(
                    List.of(
                            new Lane(0, first.a(), steps(sink, now -> 0)),
                            new Lane(1, second.a(), steps(sink, now -> 0))),
                    LaneIdle.BACKOFF,
                    false);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (frames.get() < 7 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            lanes.close();
            assertEquals(7, frames.get());
            assertEquals(Set.of("atlas-lane-0", "atlas-lane-1"), threads);
            assertEquals(0, lanes.agentErrors());
            assertTrue(
                    Thread.getAllStackTraces().keySet().stream()
                            .noneMatch(t -> t.getName().startsWith("atlas-lane-")),
                    "lane threads still running after close");
        }
    }

    @Test
    void theDutyCycleAllocatesNothingInSteadyState() {
        final com.sun.management.ThreadMXBean bean =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (MemoryWire wire = new MemoryWire()) {
            final RxSlot peerRx = new RxSlot();
            final long[] sum = new long[1];
            final FrameSink sink = (slot, now) -> {
                sum[0] += slot.length();
                return 1;
            };
            final Lane lane = new Lane(0, wire.a(), steps(sink, now -> 0));
            final TxSlot tx = new TxSlot();
            final Runnable round = () -> {
                for (int k = 0; k < 32; k++) {
                    wire.b().txClaim(tx);
                    tx.length(FRAME_LENGTH);
                    wire.b().txCommit(tx);
                }
                wire.b().txSync();
                wire.b().txReap();
                while (lane.doWork() > 0) {
                    // drain
                }
                wire.b().rxSync();
                while (wire.b().rxNext(peerRx)) {
                    // nothing comes back
                }
                wire.b().rxRelease();
            };
            for (int i = 0; i < 20_000; i++) {
                round.run();
            }
            final long before = bean.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 20_000; i++) {
                round.run();
            }
            final long allocated = bean.getCurrentThreadAllocatedBytes() - before;
            assertEquals(0, allocated, "bytes allocated by 640,000 frames through the lane");
            assertFalse(lane.counters().rxFrames < 1_280_000);
        }
    }
}
