package dev.atlas.server.ring;

import java.lang.foreign.MemorySegment;

/**
 * A reusable view of one received frame, filled by {@link PacketRing#rxNext(RxSlot)}.
 * One instance per lane; never allocated per frame.
 */
public final class RxSlot {
    /** The frame's checksum was not filled in by the sender (offloaded on a veth peer): accept it unverified. */
    public static final int FLAG_CSUM_NOT_READY = 1;
    /** The checksum was verified by the device. */
    public static final int FLAG_CSUM_VALID = 2;

    private MemorySegment frame = MemorySegment.NULL;
    private int length;
    private int flags;

    /** Set by the backend. {@code frame} starts at the Ethernet header. */
    public void set(MemorySegment frame, int length, int flags) {
        this.frame = frame;
        this.length = length;
        this.flags = flags;
    }

    /** The frame bytes, from the Ethernet header; at least {@link #length()} long. */
    public MemorySegment frame() {
        return frame;
    }

    public int length() {
        return length;
    }

    public int flags() {
        return flags;
    }

    public boolean checksumNotReady() {
        return (flags & FLAG_CSUM_NOT_READY) != 0;
    }
}
