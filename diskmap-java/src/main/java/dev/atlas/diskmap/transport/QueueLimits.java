package dev.atlas.diskmap.transport;

/**
 * The sizes an NVMe I/O queue may have, which every layer checks: the driver's queue pair and
 * each transport that sets up its own rings.
 */
public final class QueueLimits {
    /** Smallest queue: one entry always stays empty, so two entries carry one command. */
    public static final int MIN_QUEUE_DEPTH = 2;
    /** Largest I/O queue NVMe allows (a 16-bit zero-based size). */
    public static final int MAX_QUEUE_DEPTH = 1 << 16;

    private QueueLimits() {}
}
