package dev.atlas.server.tcp;

/**
 * The sender's record of what the peer has SACKed (RFC 6675), as a fixed-capacity sorted set of
 * disjoint intervals of stream offsets. Answers the loss-recovery questions: is an offset SACKed,
 * is it lost (IsLost with DupThresh 3), where the next hole is, and how many unSACKed bytes lie
 * in a range (the parts of "pipe"). Allocation-free; when full, new disjoint ranges are ignored
 * (SACK information is advisory, recovery stays correct, only less precise).
 */
public final class SackScoreboard {
    /** RFC 6675 DupThresh. */
    public static final int DUP_THRESH = 3;
    /** Returned by {@link #nextHole} when there is none. */
    public static final long NONE = -1;

    private final long[] start;
    private final long[] end;
    private int count;
    private long overflows;

    public SackScoreboard(int capacity) {
        start = new long[capacity];
        end = new long[capacity];
    }

    public void reset() {
        count = 0;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    public int blocks() {
        return count;
    }

    public long blockStart(int i) {
        return start[i];
    }

    public long blockEnd(int i) {
        return end[i];
    }

    /** Ranges dropped because the board was full. */
    public long overflows() {
        return overflows;
    }

    /** Highest SACKed offset + 1, or {@code floor} when nothing is SACKed. */
    public long highestSacked(long floor) {
        return count == 0 ? floor : Math.max(floor, end[count - 1]);
    }

    /** Records that the peer holds {@code [from, to)}, merging with neighbours. */
    public void add(long from, long to) {
        if (to <= from) {
            return;
        }
        int i = 0;
        while (i < count && end[i] < from) {
            i++;
        }
        int j = i;
        long s = from;
        long e = to;
        while (j < count && start[j] <= to) {
            s = Math.min(s, start[j]);
            e = Math.max(e, end[j]);
            j++;
        }
        final int merged = j - i;
        if (merged == 0) {
            if (count == start.length) {
                overflows++;
                return;
            }
            System.arraycopy(start, i, start, i + 1, count - i);
            System.arraycopy(end, i, end, i + 1, count - i);
            count++;
        } else if (merged > 1) {
            System.arraycopy(start, j, start, i + 1, count - j);
            System.arraycopy(end, j, end, i + 1, count - j);
            count -= merged - 1;
        }
        start[i] = s;
        end[i] = e;
    }

    /** Forgets everything below the cumulative ACK point {@code una}. */
    public void trim(long una) {
        int i = 0;
        while (i < count && end[i] <= una) {
            i++;
        }
        if (i > 0) {
            System.arraycopy(start, i, start, 0, count - i);
            System.arraycopy(end, i, end, 0, count - i);
            count -= i;
        }
        if (count > 0 && start[0] < una) {
            start[0] = una;
        }
    }

    public boolean isSacked(long offset) {
        for (int i = 0; i < count; i++) {
            if (offset < start[i]) {
                return false;
            }
            if (offset < end[i]) {
                return true;
            }
        }
        return false;
    }

    /** SACKed bytes with offsets strictly above {@code offset}. */
    public long sackedAbove(long offset) {
        long sum = 0;
        for (int i = count - 1; i >= 0 && end[i] > offset + 1; i--) {
            sum += end[i] - Math.max(start[i], offset + 1);
        }
        return sum;
    }

    /** RFC 6675 IsLost: DupThresh SACKed blocks wholly above, or more than (DupThresh−1)·MSS SACKed bytes above. */
    public boolean isLost(long offset, int mss) {
        int blocksAbove = 0;
        for (int i = count - 1; i >= 0 && start[i] > offset; i--) {
            blocksAbove++;
        }
        return blocksAbove >= DUP_THRESH || sackedAbove(offset) > (long) (DUP_THRESH - 1) * mss;
    }

    /**
     * The offset below which every unSACKed byte is lost by {@link #isLost} ({@code floor} when
     * none is): IsLost only gets truer further down, so one boundary describes it.
     */
    public long lostBoundary(long floor, int mss) {
        long boundary = floor;
        if (count >= DUP_THRESH) {
            boundary = Math.max(boundary, start[count - DUP_THRESH]);
        }
        final long need = (long) (DUP_THRESH - 1) * mss + 1;
        long above = 0;
        for (int i = count - 1; i >= 0; i--) {
            final long size = end[i] - start[i];
            if (above + size >= need) {
                boundary = Math.max(boundary, end[i] - need + above);
                break;
            }
            above += size;
        }
        return boundary;
    }

    /** First unSACKed offset in {@code [from, limit)}, or {@link #NONE}. */
    public long nextHole(long from, long limit) {
        long at = from;
        for (int i = 0; i < count && at < limit; i++) {
            if (end[i] <= at) {
                continue;
            }
            if (start[i] > at) {
                break;
            }
            at = end[i];
        }
        return at < limit ? at : NONE;
    }

    /** The first SACKed offset above {@code offset}, or {@code limit} if none is below it. */
    public long holeEnd(long offset, long limit) {
        for (int i = 0; i < count; i++) {
            if (start[i] > offset) {
                return Math.min(start[i], limit);
            }
        }
        return limit;
    }

    /** UnSACKed bytes in {@code [from, to)}. */
    public long unsackedBytes(long from, long to) {
        if (to <= from) {
            return 0;
        }
        long sacked = 0;
        for (int i = 0; i < count; i++) {
            final long s = Math.max(start[i], from);
            final long e = Math.min(end[i], to);
            if (e > s) {
                sacked += e - s;
            }
        }
        return (to - from) - sacked;
    }
}
