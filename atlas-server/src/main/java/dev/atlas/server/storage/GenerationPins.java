package dev.atlas.server.storage;

/**
 * Which catalogue generations one lane's responses still read from. A response pins the
 * generation it was looked up in until its last byte is acknowledged (or its connection dies),
 * because a later generation may have removed the file and a writer must not reuse its blocks
 * while they are being streamed. The lane counts pins per generation in a few slots; the
 * management thread reads {@link #oldestPinned()} before it lets a catalogue update reuse
 * freed space. If more generations are pinned than there are slots, the oldest slot absorbs the
 * extra pins under its (older) generation: that keeps more blocks than needed, never fewer.
 *
 * <p>Counting is lane-thread only; the oldest pinned generation is published with a volatile
 * store, and only when it changes (rarely: a slot filling or emptying).
 */
public final class GenerationPins {
    /** No response pins anything. */
    public static final long NONE = Long.MAX_VALUE;

    private static final int SLOTS = 16;

    private final long[] generation = new long[SLOTS];
    private final long[] pins = new long[SLOTS];
    private volatile long oldestPinned = NONE;

    /** A response starts reading from {@code gen}. */
    public void pin(long gen) {
        int free = -1;
        int oldest = -1;
        for (int i = 0; i < SLOTS; i++) {
            if (pins[i] > 0) {
                if (generation[i] == gen) {
                    pins[i]++;
                    return;
                }
                if (oldest < 0 || generation[i] < generation[oldest]) {
                    oldest = i;
                }
            } else if (free < 0) {
                free = i;
            }
        }
        if (free >= 0) {
            generation[free] = gen;
            pins[free] = 1;
        } else {
            // Every slot taken: count it under the oldest generation, which keeps at least as much.
            pins[oldest]++;
            if (gen < generation[oldest]) {
                generation[oldest] = gen;
            }
        }
        publishOldest();
    }

    /** A response that pinned {@code gen} is done. */
    public void unpin(long gen) {
        int match = -1;
        for (int i = 0; i < SLOTS; i++) {
            if (pins[i] > 0 && generation[i] <= gen && (match < 0 || generation[i] > generation[match])) {
                match = i; // the exact slot, or the older one it was merged into
            }
        }
        if (match < 0) {
            throw new IllegalStateException("generation " + gen + " was not pinned");
        }
        if (--pins[match] == 0) {
            publishOldest();
        }
    }

    /** The oldest generation a response still reads from, or {@link #NONE}: safe from any thread. */
    public long oldestPinned() {
        return oldestPinned;
    }

    private void publishOldest() {
        long oldest = NONE;
        for (int i = 0; i < SLOTS; i++) {
            if (pins[i] > 0 && generation[i] < oldest) {
                oldest = generation[i];
            }
        }
        if (oldest != oldestPinned) {
            oldestPinned = oldest;
        }
    }
}
