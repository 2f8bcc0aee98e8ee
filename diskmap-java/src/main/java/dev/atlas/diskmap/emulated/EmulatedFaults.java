package dev.atlas.diskmap.emulated;

import dev.atlas.diskmap.nvme.NvmeStatus;
import java.util.Arrays;

/**
 * Seeded fault plan for an {@link EmulatedController}: what goes wrong, and when.
 *
 * <p>Every choice the controller makes (completion order, delays, which command fails, how
 * much of a torn write persists) comes from one generator seeded here, so a run that found a
 * bug is replayed by its seed. Commands are numbered from 1 in the order the controller
 * fetches them; writes are numbered from 1 in the order it executes them.
 */
public final class EmulatedFaults {
    private static final int MAX_CHOSEN_FAILURES = 64;

    long seed = 1;
    boolean outOfOrder;
    int minDelayPolls;
    int maxDelayPolls;
    double errorRate;
    int readErrorStatus = NvmeStatus.UNRECOVERED_READ_ERROR;
    int writeErrorStatus = NvmeStatus.WRITE_FAULT;
    int flushErrorStatus = NvmeStatus.INTERNAL_ERROR;
    long[] failingCommands = new long[0];
    int[] failingStatuses = new int[0];
    double tornWriteRate;
    long powerCutAfterWrite;
    boolean powerCutTearsWrite;
    double unflushedLossRate;

    /** No faults: in-order, immediate, always successful. */
    public static EmulatedFaults none() {
        return new EmulatedFaults();
    }

    /** No faults yet, generator seeded with {@code seed}. */
    public static EmulatedFaults seeded(long seed) {
        return new EmulatedFaults().seed(seed);
    }

    public EmulatedFaults seed(long seed) {
        this.seed = seed;
        return this;
    }

    public long seed() {
        return seed;
    }

    /** Complete ready commands in random order instead of submission order. */
    public EmulatedFaults outOfOrder(boolean enabled) {
        this.outOfOrder = enabled;
        return this;
    }

    /** Each command completes between {@code min} and {@code max} polls after it was fetched. */
    public EmulatedFaults delayPolls(int min, int max) {
        if (min < 0 || max < min) {
            throw new IllegalArgumentException("delay must satisfy 0 ≤ min ≤ max, not " + min + ".." + max);
        }
        this.minDelayPolls = min;
        this.maxDelayPolls = max;
        return this;
    }

    /** Each command fails with this probability (reads: unrecovered read error, writes: write fault). */
    public EmulatedFaults errorRate(double probability) {
        this.errorRate = probability(probability);
        return this;
    }

    /** Status reported by probabilistic failures of reads, writes and flushes. */
    public EmulatedFaults errorStatuses(int read, int write, int flush) {
        this.readErrorStatus = read;
        this.writeErrorStatus = write;
        this.flushErrorStatus = flush;
        return this;
    }

    /** The {@code commandNumber}-th fetched command (from 1) fails with {@code status}, no data moved. */
    public EmulatedFaults failCommand(long commandNumber, int status) {
        if (failingCommands.length == MAX_CHOSEN_FAILURES) {
            throw new IllegalArgumentException("at most " + MAX_CHOSEN_FAILURES + " chosen failures");
        }
        failingCommands = Arrays.copyOf(failingCommands, failingCommands.length + 1);
        failingStatuses = Arrays.copyOf(failingStatuses, failingStatuses.length + 1);
        failingCommands[failingCommands.length - 1] = commandNumber;
        failingStatuses[failingStatuses.length - 1] = status;
        return this;
    }

    /** Each write is torn with this probability: a random prefix of its blocks persists, status write fault. */
    public EmulatedFaults tornWriteRate(double probability) {
        this.tornWriteRate = probability(probability);
        return this;
    }

    /**
     * Power is cut during the {@code writeNumber}-th write (from 1): that write is torn (a random
     * prefix of its blocks persists) when {@code tear}, else dropped; it and every later command
     * fail with "aborted by power loss" and nothing more reaches the image.
     */
    public EmulatedFaults powerCutAfterWrite(long writeNumber, boolean tear) {
        if (writeNumber < 1) {
            throw new IllegalArgumentException("writes are numbered from 1, not " + writeNumber);
        }
        this.powerCutAfterWrite = writeNumber;
        this.powerCutTearsWrite = tear;
        return this;
    }

    /**
     * Models a volatile write cache: at a power cut, each write completed since the last flush
     * is undone with this probability (newest first), as if it never left the cache.
     */
    public EmulatedFaults loseUnflushedWritesOnPowerCut(double probability) {
        this.unflushedLossRate = probability(probability);
        return this;
    }

    private static double probability(double p) {
        if (!(p >= 0.0 && p <= 1.0)) {
            throw new IllegalArgumentException("a probability is between 0 and 1, not " + p);
        }
        return p;
    }

    @Override
    public String toString() {
        return "EmulatedFaults{seed=" + seed + ", outOfOrder=" + outOfOrder + ", delayPolls=" + minDelayPolls
                + ".." + maxDelayPolls + ", errorRate=" + errorRate + ", chosenFailures="
                + Arrays.toString(failingCommands) + ", tornWriteRate=" + tornWriteRate
                + ", powerCutAfterWrite=" + powerCutAfterWrite + (powerCutTearsWrite ? " (torn)" : "")
                + ", unflushedLossRate=" + unflushedLossRate + '}';
    }
}
