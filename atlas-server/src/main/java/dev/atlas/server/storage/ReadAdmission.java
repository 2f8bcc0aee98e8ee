package dev.atlas.server.storage;

import dev.atlas.server.tcp.TcpConnection;

/**
 * Who may take the lane's next chunk buffer and drive queue slot: the fair-share half of the
 * extent source. Buffers are scarce when many connections have open windows at once; taking
 * them first come, first served lets the connections whose ACKs arrive first keep them, while
 * others wait for seconds. Here instead:
 * <ul>
 *   <li>each connection may hold at most its <em>share</em> of the pool (the pool divided by the
 *       connections holding or waiting for buffers, at least {@link #MIN_SHARE}, at most the
 *       per-connection limit), so a connection that got its window opened first cannot run ahead
 *       indefinitely;</li>
 *   <li>a connection that finds no buffer joins a FIFO, and once anyone waits, nobody jumps the
 *       queue: freed buffers are granted to the waiters in order, reserved for them until their
 *       next plan step takes them (a grant not used in that plan step lapses).</li>
 * </ul>
 * Progress needs one more rule, kept by the TCP engine: a connection that is {@link #starved}
 * sends the bytes it has even when they end inside a segment, so it never holds a buffer it
 * cannot send from while it waits for the next one. See {@code docs/storage.md}.
 *
 * <p>Lane thread only; no allocation.
 */
final class ReadAdmission {
    /** Two chunks let a connection send the segment that spans a record boundary. */
    static final int MIN_SHARE = 2;

    private final int bufferCount;
    private final int chunkLimit;

    // FIFO of connections waiting for a buffer or queue slot.
    private final TcpConnection[] waiters;
    private final boolean[] waiting;
    private final long[] waitingSince;
    private int head;
    private int count;

    // Grants: buffers set aside for woken waiters until their next plan step.
    private final boolean[] granted;
    /** Woken from the line since the last plan step (whether or not the grant was used yet). */
    private final boolean[] woken;

    private final TcpConnection[] wokenList;
    private int wokenCount;
    /** Grants not used yet: buffers others may not take. */
    private int grants;

    /** Connections holding at least one chunk. */
    private int holders;

    private final StorageCounters counters;

    ReadAdmission(int maxConnections, int bufferCount, int chunkLimit, StorageCounters counters) {
        this.bufferCount = bufferCount;
        this.chunkLimit = chunkLimit;
        this.waiters = new TcpConnection[maxConnections];
        this.waiting = new boolean[maxConnections];
        this.waitingSince = new long[maxConnections];
        this.granted = new boolean[maxConnections];
        this.woken = new boolean[maxConnections];
        this.wokenList = new TcpConnection[maxConnections];
        this.counters = counters;
    }

    /** A connection's chunk count went from 0 to 1 ({@code +1}) or from 1 to 0 ({@code −1}). */
    void holders(int delta) {
        holders += delta;
    }

    /** Chunks one connection may hold now: its fair share of the pool, never above the per-connection limit. */
    int share() {
        final int contenders = Math.max(1, holders + count);
        return Math.min(chunkLimit, Math.max(MIN_SHARE, bufferCount / contenders));
    }

    /**
     * Whether {@code c}, holding {@code held} chunks, may take a buffer now with {@code free}
     * buffers free. Uses up its grant if it has one. When it may not because others wait (or
     * nothing is free), the caller makes it {@link #await} its turn.
     */
    boolean admit(TcpConnection c, int held, int free) {
        final int id = c.id();
        if (granted[id]) {
            granted[id] = false;
            grants--;
            return free > 0;
        }
        if (held > 0 && held >= share()) {
            return false;
        }
        return count == 0 && free - grants > 0;
    }

    /** Whether {@code c} holds its share already, so more reads wait until it has sent some. */
    boolean atShare(TcpConnection c, int held) {
        return held >= share() && !granted[c.id()];
    }

    /** {@code c} found no buffer or queue slot: it waits in line (once). */
    void await(TcpConnection c, long now) {
        final int id = c.id();
        if (waiting[id]) {
            return;
        }
        waiting[id] = true;
        waitingSince[id] = now;
        int tail = head + count;
        if (tail >= waiters.length) {
            tail -= waiters.length;
        }
        waiters[tail] = c;
        count++;
    }

    /**
     * Grants up to {@code free} buffers (less those already granted) to the waiters in order and
     * wakes them; returns how many were woken.
     */
    int wake(int free, long now) {
        int wokenNow = 0;
        while (count > 0 && free - grants > 0) {
            final TcpConnection c = waiters[head];
            waiters[head] = null;
            head = head + 1 == waiters.length ? 0 : head + 1;
            count--;
            final int id = c.id();
            waiting[id] = false;
            final long waited = now - waitingSince[id];
            if (waited > counters.longestBufferWaitNanos) {
                counters.longestBufferWaitNanos = waited;
            }
            if (!granted[id]) {
                granted[id] = true;
                grants++;
            }
            if (!woken[id]) {
                woken[id] = true;
                wokenList[wokenCount++] = c;
            }
            counters.waitWakeups++;
            wokenNow++;
            c.wake();
        }
        return wokenNow;
    }

    /** After a plan step: grants that were not used lapse, so their buffers go to the next in line. */
    void planDone() {
        for (int i = 0; i < wokenCount; i++) {
            final int id = wokenList[i].id();
            granted[id] = false;
            woken[id] = false;
            wokenList[i] = null;
        }
        wokenCount = 0;
        grants = 0;
    }

    /** Whether {@code c} was woken from the line for this plan step (its reads now are the line's, not its window's). */
    boolean woken(TcpConnection c) {
        return woken[c.id()];
    }

    /** {@code c} is gone; a grant it held lapses (its place in line is skipped when it comes up). */
    void forget(TcpConnection c) {
        final int id = c.id();
        if (granted[id]) {
            granted[id] = false;
            grants--;
        }
    }

    /** Whether {@code c} waits for a buffer or slot, or holds its whole share: it must send what it has. */
    boolean starved(TcpConnection c, int held) {
        return waiting[c.id()] || (held > 0 && held >= share());
    }

    /** Connections waiting for a buffer or queue slot now. */
    int waitingCount() {
        return count;
    }

    /** How long the connection at the head of the line has waited, or 0. */
    long oldestWaitNanos(long now) {
        return count == 0 ? 0 : now - waitingSince[waiters[head].id()];
    }
}
