package dev.atlas.server.tcp;

import dev.atlas.server.memory.MemoryRing;
import dev.atlas.server.memory.MemoryWire;
import dev.atlas.server.proto.ArpTable;
import dev.atlas.server.proto.FrameInput;
import dev.atlas.server.proto.InterfaceAddress;
import dev.atlas.server.ring.RxSlot;

/**
 * A TcpStack on endpoint {@code a} of a {@link MemoryWire}, driven on a virtual clock the way a
 * lane drives it (rx → FrameInput → TcpStack, plan, completions, output, txSync, txReap, timers).
 * Test code only.
 */
final class StackLoop implements AutoCloseable {
    static final InterfaceAddress STACK = InterfaceAddress.parse("02:00:00:00:00:01", "198.18.0.1/24");
    static final long PEER_MAC = 0x02_00_00_00_00_02L;
    static final int PEER_ADDRESS = (198 << 24) | (18 << 16) | 2;
    static final int PORT = 80;

    final MemoryWire wire;
    final MemoryRing ring;
    final TcpStack stack;
    final FrameInput input;
    private final RxSlot rx = new RxSlot();
    long now;

    /** The lane's storage steps around the engine's plan and output: the plan's start and doorbells, then completions. */
    java.util.function.LongConsumer planning = now -> {};

    java.util.function.IntSupplier submit = () -> 0;
    java.util.function.IntSupplier complete = () -> 0;
    /**
     * True while real I/O (drive reads) is in flight: an idle loop must then wait in real time
     * instead of moving the virtual clock on, or a read's real latency would pass for virtual
     * seconds (and fire timers) on a busy machine.
     */
    java.util.function.BooleanSupplier waitingForIo = () -> false;

    /** Moves the virtual clock to {@code next} unless real I/O is still in flight. */
    void idleUntil(long next) {
        if (waitingForIo.getAsBoolean()) {
            Thread.onSpinWait();
        } else {
            now = next;
        }
    }

    StackLoop(MemoryWire wire, TcpConfig config, TcpApplication app, long startNanos) {
        this.wire = wire;
        this.ring = wire.a();
        this.now = startNanos;
        wire.advanceTo(startNanos);
        ArpTable arp = new ArpTable(64);
        this.stack = new TcpStack(STACK, arp, ring, config, app);
        this.input = new FrameInput(STACK, arp, ring, stack);
        stack.listen(PORT);
    }

    /** One lane pass at the current time; returns work done. */
    int pass() {
        wire.advanceTo(now);
        int work = 0;
        ring.rxSync();
        while (ring.rxNext(rx)) {
            work += input.onFrame(rx, now);
        }
        ring.rxRelease();
        planning.accept(now);
        work += stack.plan(now);
        work += submit.getAsInt();
        work += complete.getAsInt();
        work += stack.output(now);
        work += ring.txSync();
        ring.txReap();
        work += stack.timers(now);
        return work;
    }

    @Override
    public void close() {
        wire.close();
    }
}
