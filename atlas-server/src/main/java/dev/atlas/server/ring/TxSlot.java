package dev.atlas.server.ring;

import java.lang.foreign.MemorySegment;

/**
 * A reusable view of one TX slot, pointed at a free slot by {@link PacketRing#txClaim(TxSlot)}.
 * The caller writes the frame into {@link #frame()} (from the Ethernet header), sets its length
 * and, for a TCP super-frame or a frame whose checksum the backend should finish, the offload
 * metadata that a virtio-net header carries.
 */
public final class TxSlot {
    public static final byte GSO_NONE = 0;
    public static final byte GSO_TCPV4 = 1;
    public static final byte GSO_TCPV6 = 4;

    private MemorySegment frame = MemorySegment.NULL;
    private int index;
    private int length;
    private byte gsoType;
    private boolean needsChecksum;
    private short gsoSize;
    private short headerLength;
    private short checksumStart;
    private short checksumOffset;

    /** Set by the backend when it claims slot {@code index}; clears length and offload. */
    public void claim(MemorySegment frame, int index) {
        this.frame = frame;
        this.index = index;
        this.length = 0;
        this.gsoType = GSO_NONE;
        this.needsChecksum = false;
        this.gsoSize = 0;
        this.headerLength = 0;
        this.checksumStart = 0;
        this.checksumOffset = 0;
    }

    /** Where the frame goes: {@link PacketRing#slotCapacity()} bytes, from the Ethernet header. */
    public MemorySegment frame() {
        return frame;
    }

    public int index() {
        return index;
    }

    public TxSlot length(int length) {
        this.length = length;
        return this;
    }

    public int length() {
        return length;
    }

    /**
     * Asks the backend to segment a TCP super-frame into {@code segmentSize}-byte segments
     * (TSO/GSO). {@code headerLength} covers Ethernet, IP and TCP headers.
     */
    public TxSlot segmentation(byte gsoType, int segmentSize, int headerLength) {
        this.gsoType = gsoType;
        this.gsoSize = (short) segmentSize;
        this.headerLength = (short) headerLength;
        return this;
    }

    /**
     * Asks the backend to finish the checksum: sum from {@code start} (frame offset) to the end,
     * store at {@code start + offset}; the field holds the uncomplemented pseudo-header sum.
     */
    public TxSlot partialChecksum(int start, int offset) {
        this.needsChecksum = true;
        this.checksumStart = (short) start;
        this.checksumOffset = (short) offset;
        return this;
    }

    public byte gsoType() {
        return gsoType;
    }

    public int gsoSize() {
        return Short.toUnsignedInt(gsoSize);
    }

    public int headerLength() {
        return Short.toUnsignedInt(headerLength);
    }

    public boolean needsChecksum() {
        return needsChecksum;
    }

    public int checksumStart() {
        return Short.toUnsignedInt(checksumStart);
    }

    public int checksumOffset() {
        return Short.toUnsignedInt(checksumOffset);
    }
}
