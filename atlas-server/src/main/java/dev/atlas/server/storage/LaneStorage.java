package dev.atlas.server.storage;

/**
 * The storage side of a lane as the lane's steps see it: the doorbells that send the plan step's
 * reads to the drives, and the completions that make their chunks ready. A lane whose payload
 * comes from memory (the network test pattern) has {@link #NO_DRIVES}.
 */
public interface LaneStorage {
    /** The plan step of the pass at {@code nowNanos} begins: the reads asked for from now on are this pass's. */
    void planning(long nowNanos);

    /** Rings the drives' doorbells for the reads queued in this pass; returns how many doorbells were rung. */
    int submit();

    /** Completes reads (waking their connections) and wakes connections that waited for a buffer; returns the work done. */
    int complete(long nowNanos);

    /** A lane without drives: every byte it sends is in memory. */
    LaneStorage NO_DRIVES = new LaneStorage() {
        @Override
        public void planning(long nowNanos) {}

        @Override
        public int submit() {
            return 0;
        }

        @Override
        public int complete(long nowNanos) {
            return 0;
        }
    };
}
