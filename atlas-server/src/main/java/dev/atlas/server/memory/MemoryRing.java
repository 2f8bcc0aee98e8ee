package dev.atlas.server.memory;

import dev.atlas.server.ring.PacketRing;
import dev.atlas.server.ring.RxSlot;
import dev.atlas.server.ring.TxSlot;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One endpoint of a {@link MemoryWire}: a {@link PacketRing} whose TX slots go onto the wire at
 * {@link #txSync()} (segmented and checksummed as a NIC would) and whose RX slots fill, at
 * {@link #rxSync()}, with the frames from the other endpoint that are due by the wire's clock.
 * Frames the RX ring has no room for wait on the wire. Everything is preallocated.
 */
public final class MemoryRing implements PacketRing {
    private final String name;
    private final MemoryWire wire;
    private final WireDirection outbound;
    private final WireDirection inbound;
    private final int slotCapacity;

    private final MemorySegment[] rxBuffers;
    private final int[] rxLengths;
    private long rxHead;
    private long rxCur;
    private long rxTail;

    private final MemorySegment[] txBuffers;
    private final int[] txLengths;
    private final byte[] txGsoType;
    private final int[] txGsoSize;
    private final int[] txHeaderLength;
    private final boolean[] txNeedsChecksum;
    private final int[] txChecksumStart;
    private final int[] txChecksumOffset;
    private long txCommitted;
    private long txCompleted;
    private long txReaped;
    private boolean closed;

    MemoryRing(
            String name,
            MemoryWire wire,
            WireDirection outbound,
            WireDirection inbound,
            Arena arena,
            int rxSlots,
            int rxFrameCapacity,
            int txSlots,
            int slotCapacity) {
        this.name = name;
        this.wire = wire;
        this.outbound = outbound;
        this.inbound = inbound;
        this.slotCapacity = slotCapacity;
        this.rxBuffers = slices(arena, rxSlots, rxFrameCapacity);
        this.rxLengths = new int[rxSlots];
        this.txBuffers = slices(arena, txSlots, slotCapacity);
        this.txLengths = new int[txSlots];
        this.txGsoType = new byte[txSlots];
        this.txGsoSize = new int[txSlots];
        this.txHeaderLength = new int[txSlots];
        this.txNeedsChecksum = new boolean[txSlots];
        this.txChecksumStart = new int[txSlots];
        this.txChecksumOffset = new int[txSlots];
    }

    private static MemorySegment[] slices(Arena arena, int count, int size) {
        MemorySegment all = arena.allocate((long) count * size, Long.BYTES);
        MemorySegment[] slices = new MemorySegment[count];
        for (int i = 0; i < count; i++) {
            slices[i] = all.asSlice((long) i * size, size);
        }
        return slices;
    }

    @Override
    public int slotCapacity() {
        return slotCapacity;
    }

    @Override
    public int txSlots() {
        return txBuffers.length;
    }

    @Override
    public int rxSync() {
        int room = rxBuffers.length - (int) (rxTail - rxHead);
        if (room > 0) {
            inbound.deliver(this, wire.now(), room);
        }
        return (int) (rxTail - rxCur);
    }

    /** Called by the wire for each delivered frame; there is room (the wire asked). */
    void receive(MemorySegment frame, int length) {
        int i = (int) (rxTail % rxBuffers.length);
        MemorySegment.copy(frame, 0, rxBuffers[i], 0, length);
        rxLengths[i] = length;
        rxTail++;
    }

    @Override
    public boolean rxNext(RxSlot slot) {
        if (rxCur == rxTail) {
            return false;
        }
        int i = (int) (rxCur % rxBuffers.length);
        // Wire frames carry complete checksums: nothing is marked not-ready or pre-verified.
        slot.set(rxBuffers[i], rxLengths[i], 0);
        rxCur++;
        return true;
    }

    @Override
    public void rxRelease() {
        rxHead = rxCur;
    }

    @Override
    public boolean txClaim(TxSlot slot) {
        if (txCommitted - txReaped >= txBuffers.length) {
            return false;
        }
        int i = (int) (txCommitted % txBuffers.length);
        slot.claim(txBuffers[i], i);
        return true;
    }

    @Override
    public void txCommit(TxSlot slot) {
        int i = (int) (txCommitted % txBuffers.length);
        txLengths[i] = slot.length();
        txGsoType[i] = slot.gsoType();
        txGsoSize[i] = slot.gsoSize();
        txHeaderLength[i] = slot.headerLength();
        txNeedsChecksum[i] = slot.needsChecksum();
        txChecksumStart[i] = slot.checksumStart();
        txChecksumOffset[i] = slot.checksumOffset();
        txCommitted++;
    }

    @Override
    public int txSync() {
        long now = wire.now();
        int handed = 0;
        while (txCompleted < txCommitted) {
            int i = (int) (txCompleted % txBuffers.length);
            outbound.transmit(
                    txBuffers[i],
                    txLengths[i],
                    txGsoType[i],
                    txGsoSize[i],
                    txHeaderLength[i],
                    txNeedsChecksum[i],
                    txChecksumStart[i],
                    txChecksumOffset[i],
                    now);
            txCompleted++;
            handed++;
        }
        return handed;
    }

    @Override
    public int txReap() {
        int freed = (int) (txCompleted - txReaped);
        txReaped = txCompleted;
        return freed;
    }

    /** Counters of frames this endpoint sent. */
    public WireCounters sent() {
        return outbound.counters();
    }

    /** The impairment of frames this endpoint sends. */
    public LinkImpairment outboundImpairment() {
        return outbound.impairment();
    }

    @Override
    public String name() {
        return "memory:" + name;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        wire.endpointClosed();
    }
}
