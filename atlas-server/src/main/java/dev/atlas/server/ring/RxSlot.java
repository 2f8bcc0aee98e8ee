package dev.atlas.server.ring;

import java.lang.foreign.MemorySegment;

/**
 * A reusable view of one received frame, filled by {@link PacketRing#rxNext(RxSlot)}: the
 * backend's memory ({@link #frame()}) and where in it the frame starts ({@link #offset()}), so a
 * mapped ring hands out frames without making a slice (an object) per frame. One instance per
 * lane; never allocated per frame.
 */
public final class RxSlot {
    /** The frame's checksum was not filled in by the sender (offloaded on a veth peer): accept it unverified. */
    public static final int FLAG_CSUM_NOT_READY = 1;
    /** The checksum was verified by the device. */
    public static final int FLAG_CSUM_VALID = 2;

    private MemorySegment frame = MemorySegment.NULL;
    private int offset;
    private int length;
    private int flags;

    /** Set by the backend: a frame whose Ethernet header starts at {@code frame}'s first byte. */
    public void set(MemorySegment frame, int length, int flags) {
        set(frame, 0, length, flags);
    }

    /** Set by the backend: a frame whose Ethernet header is at {@code offset} of {@code memory}. */
    public void set(MemorySegment memory, int offset, int length, int flags) {
        this.frame = memory;
        this.offset = offset;
        this.length = length;
        this.flags = flags;
    }

    /** The memory holding the frame: its bytes are {@link #length()} bytes from {@link #offset()}. */
    public MemorySegment frame() {
        return frame;
    }

    /** Where in {@link #frame()} the Ethernet header starts. */
    public int offset() {
        return offset;
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
