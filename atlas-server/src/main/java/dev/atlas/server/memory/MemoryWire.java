package dev.atlas.server.memory;

import java.lang.foreign.Arena;

/**
 * Two in-process {@link MemoryRing} endpoints, {@link #a()} and {@link #b()}, joined by a link.
 * Each direction segments TSO/GSO super-frames into MTU-sized frames (IPv4 id, length, checksum
 * and TCP sequence, flags and checksum per segment, as the kernel's GSO does), completes partial
 * checksums, then applies its seeded {@link LinkImpairment}. Time is the wire's own clock,
 * moved by {@link #advanceTo(long)} (deterministic tests) unless {@link #useSystemClock()} is set.
 */
public final class MemoryWire implements AutoCloseable {
    public static final int DEFAULT_MTU = 1500;
    public static final int DEFAULT_RX_SLOTS = 1024;
    public static final int DEFAULT_TX_SLOTS = 64;
    /** A 64 KiB IPv4 datagram behind an Ethernet header. */
    public static final int DEFAULT_SLOT_CAPACITY = 14 + 0xFFFF;

    public static final int DEFAULT_QUEUE_CAPACITY = 16_384;

    private final Arena arena = Arena.ofShared();
    private final WireDirection aToB;
    private final WireDirection bToA;
    private final MemoryRing a;
    private final MemoryRing b;
    private long now;
    private boolean systemClock;
    private int open = 2;

    /** A wire with the defaults: MTU 1500, 1024 RX and 64 TX slots per endpoint, seed 1. */
    public MemoryWire() {
        this(DEFAULT_MTU, DEFAULT_RX_SLOTS, DEFAULT_TX_SLOTS, DEFAULT_SLOT_CAPACITY, DEFAULT_QUEUE_CAPACITY, 1L);
    }

    /** A wire with its impairments seeded from {@code seed} (the two directions differ). */
    public MemoryWire(long seed) {
        this(DEFAULT_MTU, DEFAULT_RX_SLOTS, DEFAULT_TX_SLOTS, DEFAULT_SLOT_CAPACITY, DEFAULT_QUEUE_CAPACITY, seed);
    }

    public MemoryWire(int mtu, int rxSlots, int txSlots, int slotCapacity, int queueCapacity, long seed) {
        int frame = 14 + mtu;
        aToB = new WireDirection(arena, mtu, queueCapacity, seed);
        bToA = new WireDirection(arena, mtu, queueCapacity, seed ^ 0x5DEE_CE66_DL);
        a = new MemoryRing("a", this, aToB, bToA, arena, rxSlots, frame, txSlots, slotCapacity);
        b = new MemoryRing("b", this, bToA, aToB, arena, rxSlots, frame, txSlots, slotCapacity);
    }

    public MemoryRing a() {
        return a;
    }

    public MemoryRing b() {
        return b;
    }

    /** Impairment of frames from a to b. */
    public LinkImpairment aToB() {
        return aToB.impairment();
    }

    /** Impairment of frames from b to a. */
    public LinkImpairment bToA() {
        return bToA.impairment();
    }

    public WireCounters countersAToB() {
        return aToB.counters();
    }

    public WireCounters countersBToA() {
        return bToA.counters();
    }

    /** The wire's clock in nanoseconds. */
    public long now() {
        return systemClock ? System.nanoTime() : now;
    }

    /** Moves the manual clock forward (never back). */
    public void advanceTo(long nanos) {
        if (nanos > now) {
            now = nanos;
        }
    }

    /** Follows {@link System#nanoTime()} instead of the manual clock (for lanes run in real time). */
    public MemoryWire useSystemClock() {
        systemClock = true;
        return this;
    }

    /** Earliest due time of any frame on the wire, or {@link Long#MAX_VALUE}: lets a test jump the clock. */
    public long nextDue() {
        return Math.min(aToB.nextDue(), bToA.nextDue());
    }

    /** Frames on the wire in both directions. */
    public int inFlight() {
        return aToB.queued() + bToA.queued();
    }

    void endpointClosed() {
        if (--open == 0) {
            arena.close();
        }
    }

    @Override
    public void close() {
        if (open > 0) {
            open = 0;
            arena.close();
        }
    }
}
