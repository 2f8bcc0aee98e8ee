package dev.atlas.server.ring;

/**
 * A netmap-shaped pair of packet rings: one RX ring and one TX ring of fixed slots, owned by
 * one lane thread. Backends: {@code af_packet} (mapped kernel rings), {@code memory}
 * (in-process wire with loss, reordering, duplication and delay).
 *
 * <p>RX: {@link #rxSync()} learns which slots the backend has filled; {@link #rxNext(RxSlot)}
 * walks them in order ({@code cur} advances); {@link #rxRelease()} gives every slot walked so
 * far back ({@code head = cur}). A frame's bytes are valid until it is released.
 *
 * <p>TX: {@link #txClaim(TxSlot)} points a slot view at the next free slot; the caller writes
 * the frame (optionally a TCP super-frame with offload metadata) and calls
 * {@link #txCommit(TxSlot)}; {@link #txSync()} hands every committed slot to the backend;
 * {@link #txReap()} counts slots the backend finished with, which become free again.
 *
 * <p>None of these calls allocates or blocks.
 */
public interface PacketRing extends AutoCloseable {

    /** Largest frame (Ethernet header onwards, without any virtio-net header) one slot holds. */
    int slotCapacity();

    /** Number of TX slots. */
    int txSlots();

    /** Refreshes the RX ring; returns the number of received frames not yet walked. */
    int rxSync();

    /** Points {@code slot} at the next received frame; {@code false} when there is none. */
    boolean rxNext(RxSlot slot);

    /** Returns every walked RX slot to the backend. */
    void rxRelease();

    /** Points {@code slot} at a free TX slot with its length and offload cleared; {@code false} when the ring is full. */
    boolean txClaim(TxSlot slot);

    /** Marks the claimed slot ready to send with the length and offload metadata it now holds. */
    void txCommit(TxSlot slot);

    /** Hands committed slots to the backend; returns how many were handed over. */
    int txSync();

    /** Reclaims slots the backend has finished sending; returns how many became free. */
    int txReap();

    /** Short backend name for logs and metrics. */
    String name();

    @Override
    void close();
}
