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
 *
 * <p>A plan also has a text form for command lines ({@link #parse(String)}), which {@link
 * #toString()} writes, e.g. {@code seed=7,out-of-order,delay=0..3,media-error=4096+64}.
 */
public final class EmulatedFaults {
    static final long DEFAULT_SEED = 1;
    static final int DEFAULT_READ_ERROR_STATUS = NvmeStatus.UNRECOVERED_READ_ERROR;
    static final int DEFAULT_WRITE_ERROR_STATUS = NvmeStatus.WRITE_FAULT;
    static final int DEFAULT_FLUSH_ERROR_STATUS = NvmeStatus.INTERNAL_ERROR;
    /**
     * What a read of a bad region reports. Do Not Retry is set because the region stays bad:
     * the same command would fail again, unlike the transient failures of {@link #errorRate(double)}.
     */
    public static final int MEDIA_ERROR_STATUS = NvmeStatus.UNRECOVERED_READ_ERROR | NvmeStatus.DO_NOT_RETRY;

    private static final int MAX_CHOSEN_FAILURES = 64;
    // Every read is checked against every region, so keep the list short.
    private static final int MAX_MEDIA_ERRORS = 64;

    long seed = DEFAULT_SEED;
    boolean outOfOrder;
    int minDelayPolls;
    int maxDelayPolls;
    double errorRate;
    int readErrorStatus = DEFAULT_READ_ERROR_STATUS;
    int writeErrorStatus = DEFAULT_WRITE_ERROR_STATUS;
    int flushErrorStatus = DEFAULT_FLUSH_ERROR_STATUS;
    long[] failingCommands = new long[0];
    int[] failingStatuses = new int[0];
    /** Bad regions of the medium as half-open LBA ranges [first, end), in the order given. */
    long[] mediaErrorFirstLbas = new long[0];

    long[] mediaErrorEndLbas = new long[0];
    double tornWriteRate;
    long powerCutAfterWrite;
    boolean powerCutTearsWrite;
    double unflushedLossRate;

    /** No faults: in-order, immediate, always successful. */
    public static EmulatedFaults none() {
        return new EmulatedFaults();
    }

    /**
     * The plan written as text, e.g. {@code seed=7,out-of-order,delay=0..3,error-rate=0.001,media-error=4096+64}
     * (comma-separated terms; {@code none} or an empty string for no faults), as a command-line
     * option gives it. The terms are {@code seed=N}, {@code out-of-order}, {@code delay=MIN..MAX},
     * {@code error-rate=P}, {@code error-statuses=READ/WRITE/FLUSH}, {@code fail-command=N:STATUS},
     * {@code media-error=LBA+BLOCKS} (repeatable), {@code torn-write-rate=P},
     * {@code power-cut=WRITE[:torn]} and {@code lose-unflushed=P}.
     *
     * @throws IllegalArgumentException with one sentence naming the bad term and its accepted form
     */
    public static EmulatedFaults parse(String spec) {
        return FaultSpec.parse(spec);
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

    /**
     * A bad region of the medium: every read touching one of the {@code blocks} blocks from
     * {@code firstLba} completes with {@link #MEDIA_ERROR_STATUS} (unrecovered read error) and
     * moves no data; other reads, writes and flushes are unaffected. May be called for several
     * regions. Writing the region does not repair it (the plan does not model reallocation),
     * so a test sees the same failure however often the data is rewritten.
     */
    public EmulatedFaults mediaError(long firstLba, long blocks) {
        if (firstLba < 0) {
            throw new IllegalArgumentException("a media error starts at an LBA of 0 or more, not " + firstLba);
        }
        if (blocks < 1) {
            throw new IllegalArgumentException("a media error covers at least one block, not " + blocks);
        }
        if (firstLba > Long.MAX_VALUE - blocks) {
            throw new IllegalArgumentException(
                    "a media error at LBA " + firstLba + "+" + blocks + " runs past the largest possible LBA");
        }
        if (mediaErrorFirstLbas.length == MAX_MEDIA_ERRORS) {
            throw new IllegalArgumentException("at most " + MAX_MEDIA_ERRORS + " media errors");
        }
        mediaErrorFirstLbas = Arrays.copyOf(mediaErrorFirstLbas, mediaErrorFirstLbas.length + 1);
        mediaErrorEndLbas = Arrays.copyOf(mediaErrorEndLbas, mediaErrorEndLbas.length + 1);
        mediaErrorFirstLbas[mediaErrorFirstLbas.length - 1] = firstLba;
        mediaErrorEndLbas[mediaErrorEndLbas.length - 1] = firstLba + blocks;
        return this;
    }

    /** True when a command on {@code blocks} blocks from {@code lba} touches a bad region. */
    boolean touchesMediaError(long lba, int blocks) {
        final long end = lba + blocks;
        for (int i = 0; i < mediaErrorFirstLbas.length; i++) {
            if (lba < mediaErrorEndLbas[i] && end > mediaErrorFirstLbas[i]) {
                return true;
            }
        }
        return false;
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
        return p + 0.0; // -0.0 (as "-0" parses) is 0: the plan reads back the way it was written
    }

    /** The plan in the text form {@link #parse(String)} reads, so a logged plan can be replayed. */
    @Override
    public String toString() {
        return FaultSpec.format(this);
    }
}
