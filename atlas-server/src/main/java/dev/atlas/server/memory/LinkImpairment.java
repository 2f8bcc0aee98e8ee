package dev.atlas.server.memory;

/**
 * What one direction of a {@link MemoryWire} does to frames: a fixed delay, and seeded
 * probabilities of loss, duplication and reordering (a reordered frame is held back by an
 * extra delay, so frames sent after it overtake it). Settings may change between sends.
 */
public final class LinkImpairment {
    private long delayNanos;
    private double lossProbability;
    private double duplicateProbability;
    private double reorderProbability;
    private long reorderDelayNanos = 1_000_000L;
    private long random;

    LinkImpairment(long seed) {
        this.random = seed;
    }

    public LinkImpairment delayNanos(long nanos) {
        this.delayNanos = nanos;
        return this;
    }

    public LinkImpairment loss(double probability) {
        this.lossProbability = probability;
        return this;
    }

    public LinkImpairment duplicate(double probability) {
        this.duplicateProbability = probability;
        return this;
    }

    /** Holds a fraction of frames back by {@code extraNanos} beyond the delay. */
    public LinkImpairment reorder(double probability, long extraNanos) {
        this.reorderProbability = probability;
        this.reorderDelayNanos = extraNanos;
        return this;
    }

    /** Restarts the random sequence: the same seed and sends give the same impairments. */
    public LinkImpairment seed(long seed) {
        this.random = seed;
        return this;
    }

    public long delayNanos() {
        return delayNanos;
    }

    long reorderDelayNanos() {
        return reorderDelayNanos;
    }

    boolean drawLoss() {
        return lossProbability > 0 && nextDouble() < lossProbability;
    }

    boolean drawDuplicate() {
        return duplicateProbability > 0 && nextDouble() < duplicateProbability;
    }

    boolean drawReorder() {
        return reorderProbability > 0 && nextDouble() < reorderProbability;
    }

    /** SplitMix64: deterministic, allocation-free, good enough for fault injection. */
    private double nextDouble() {
        long z = (random += 0x9E37_79B9_7F4A_7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        z = z ^ (z >>> 31);
        return (z >>> 11) * 0x1.0p-53;
    }
}
