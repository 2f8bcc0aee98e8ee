package dev.atlas.server.tcp.timer;

import java.util.Arrays;

/**
 * A hashed timing wheel (Varghese &amp; Lauck) over a fixed set of timer ids: each id (e.g.
 * connection index × kinds + kind) has preallocated slots in parallel arrays and lives on an
 * intrusive doubly linked list of its wheel bucket, so schedule, cancel and per-timer expiry are
 * O(1) and allocation-free. Deadlines beyond one revolution stay in their bucket until their
 * round comes. A timer fires at the first {@link #expire} whose tick is at or past its
 * deadline's tick (deadline rounded up to the tick), so never early and at most one tick late.
 */
public final class HashedTimingWheel {
    private static final int NIL = -1;

    private final long tickNanos;
    private final int mask;
    private final int overdue;
    private final int[] bucketHead;
    private final long[] deadlineTick;
    private final long[] deadlineNanos;
    private final int[] next;
    private final int[] prev;
    private final int[] bucketOf;
    private long currentTick;
    private int scheduled;

    /** A wheel of {@code slots} buckets (a power of two) of {@code tickNanos} each, for ids {@code 0..timers-1}. */
    public HashedTimingWheel(int timers, int slots, long tickNanos, long startNanos) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two, got " + slots);
        }
        this.tickNanos = tickNanos;
        this.mask = slots - 1;
        // One extra bucket for overdue timers: scheduled with a deadline in a tick already processed.
        this.overdue = slots;
        this.bucketHead = new int[slots + 1];
        this.deadlineTick = new long[timers];
        this.deadlineNanos = new long[timers];
        this.next = new int[timers];
        this.prev = new int[timers];
        this.bucketOf = new int[timers];
        Arrays.fill(bucketHead, NIL);
        Arrays.fill(bucketOf, NIL);
        this.currentTick = Math.floorDiv(startNanos, tickNanos);
    }

    /**
     * Re-anchors an empty wheel at {@code nowNanos} (the owner's clock may differ from the one
     * the wheel was built with, e.g. a virtual clock in tests).
     */
    public void start(long nowNanos) {
        if (scheduled != 0) {
            throw new IllegalStateException("start() needs an empty wheel; " + scheduled + " timers are scheduled");
        }
        currentTick = Math.floorDiv(nowNanos, tickNanos);
    }

    /** Number of timers currently scheduled. */
    public int scheduled() {
        return scheduled;
    }

    public boolean isScheduled(int timerId) {
        return bucketOf[timerId] != NIL;
    }

    /** The deadline a scheduled timer was given. */
    public long deadline(int timerId) {
        return deadlineNanos[timerId];
    }

    /** Schedules (or moves) {@code timerId} to fire at {@code deadline}. */
    public void schedule(int timerId, long deadline) {
        if (bucketOf[timerId] != NIL) {
            unlink(timerId);
        }
        final long tick = ceilTick(deadline);
        deadlineTick[timerId] = tick;
        deadlineNanos[timerId] = deadline;
        final int bucket = tick < currentTick ? overdue : (int) (tick & mask);
        final int head = bucketHead[bucket];
        next[timerId] = head;
        prev[timerId] = NIL;
        if (head != NIL) {
            prev[head] = timerId;
        }
        bucketHead[bucket] = timerId;
        bucketOf[timerId] = bucket;
        scheduled++;
    }

    /** Cancels {@code timerId} if scheduled. */
    public void cancel(int timerId) {
        if (bucketOf[timerId] != NIL) {
            unlink(timerId);
        }
    }

    /** Fires every timer due by {@code nowNanos}; returns how many fired. */
    public int expire(long nowNanos, TimerHandler handler) {
        final long nowTick = Math.floorDiv(nowNanos, tickNanos);
        int fired = expireBucket(overdue, Long.MAX_VALUE, nowNanos, handler);
        if (nowTick - currentTick > mask) {
            // Jumped more than a revolution: one pass over every bucket sees every due timer.
            currentTick = nowTick + 1;
            for (int b = 0; b <= mask; b++) {
                fired += expireBucket(b, nowTick, nowNanos, handler);
            }
            return fired;
        }
        while (currentTick <= nowTick) {
            final long tick = currentTick++;
            fired += expireBucket((int) (tick & mask), tick, nowNanos, handler);
        }
        return fired;
    }

    private int expireBucket(int bucket, long tick, long nowNanos, TimerHandler handler) {
        int fired = 0;
        int id = bucketHead[bucket];
        while (id != NIL) {
            final int following = next[id];
            if (deadlineTick[id] <= tick) {
                unlink(id);
                fired++;
                handler.onTimer(id, nowNanos);
            }
            // The handler may have cancelled the timer we were about to visit: restart from the head.
            id = following != NIL && bucketOf[following] != bucket ? bucketHead[bucket] : following;
        }
        return fired;
    }

    private void unlink(int id) {
        final int bucket = bucketOf[id];
        final int p = prev[id];
        final int n = next[id];
        if (p != NIL) {
            next[p] = n;
        } else {
            bucketHead[bucket] = n;
        }
        if (n != NIL) {
            prev[n] = p;
        }
        bucketOf[id] = NIL;
        next[id] = NIL;
        prev[id] = NIL;
        scheduled--;
    }

    private long ceilTick(long nanos) {
        return Math.floorDiv(nanos + tickNanos - 1, tickNanos);
    }
}
