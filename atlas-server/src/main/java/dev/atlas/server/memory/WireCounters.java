package dev.atlas.server.memory;

/** Counters of one direction of a {@link MemoryWire}: plain fields, single writer. */
public final class WireCounters {
    /** Frames put on the wire after segmentation (before loss). */
    public long framesSent;

    public long bytesSent;
    /** TX slots that carried a GSO super-frame and were cut into MSS-sized frames. */
    public long superFramesSegmented;

    public long lost;
    public long duplicated;
    public long reordered;
    public long delivered;
    /** Frames longer than the MTU allows (a device would drop them too). */
    public long droppedOversize;
    /** Offload metadata the wire (like a kernel) refuses: GSO on non-TCP/IPv4, bad checksum offsets. */
    public long droppedMalformedOffload;
    /** The wire's bounded queue was full. */
    public long droppedQueueFull;

    @Override
    public String toString() {
        return "sent " + framesSent + ", delivered " + delivered + ", lost " + lost + ", duplicated " + duplicated
                + ", reordered " + reordered + ", super-frames " + superFramesSegmented + ", oversize "
                + droppedOversize
                + ", malformed offload " + droppedMalformedOffload + ", queue full " + droppedQueueFull;
    }
}
