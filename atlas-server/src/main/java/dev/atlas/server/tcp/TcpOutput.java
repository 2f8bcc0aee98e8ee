package dev.atlas.server.tcp;

/**
 * The plan and output steps of a lane's TCP engine. Connections with something to send (new
 * bytes, a retransmission, a FIN or an ACK) wait in a FIFO; each pass the plan step asks the
 * send streams' sources for the bytes the queued connections' windows let them send (the drive
 * reads of DESIGN §3 step 2), and the output step then visits them in turn and builds frames —
 * TSO super-frames of up to 64 KiB — from what is in memory, never asking for bytes itself.
 *
 * <p>What the next frame of a connection carries is decided in one place, {@link #next}, for
 * both steps, so the plan step reads exactly what the output step will want.
 */
final class TcpOutput {
    /** Frames one connection may send per visit before others get a turn. */
    private static final int FRAMES_PER_VISIT = 8;
    /** Send a partial TSO frame only once this fraction of the window is free (Linux's tso_win_divisor). */
    private static final int TSO_WINDOW_DIVISOR = 3;

    private final TcpConfig config;
    private final TcpCounters counters;
    private final TcpConnections connections;
    private final TcpTimers timers;
    private final SegmentSender sender;
    private final NextFrame next = new NextFrame();

    private final int[] pending;
    private int pendingHead;
    private int pendingCount;
    /** Counts plan steps, so a visit knows whether its connection's bytes were asked for in this pass. */
    private long pass;

    TcpOutput(
            TcpConfig config,
            TcpCounters counters,
            TcpConnections connections,
            TcpTimers timers,
            SegmentSender sender) {
        this.config = config;
        this.counters = counters;
        this.connections = connections;
        this.timers = timers;
        this.sender = sender;
        this.pending = new int[connections.capacity()];
    }

    /** Puts {@code c} on the output queue (once) for the next plan and output steps. */
    void requestOutput(TcpConnection c) {
        if (!c.queuedForOutput) {
            c.queuedForOutput = true;
            int tail = pendingHead + pendingCount;
            if (tail >= pending.length) {
                tail -= pending.length;
            }
            pending[tail] = c.id;
            pendingCount++;
        }
    }

    // ---------------------------------------------------------------------------------------
    // Plan
    // ---------------------------------------------------------------------------------------

    /**
     * The plan step: for each queued connection, asks the sources of the bytes its next frame
     * needs to bring them in — for new bytes the whole window the ACKs have opened, once it
     * reaches the fetch watermark (or holds the response's tail, or nothing is in flight); for a
     * retransmission exactly the lost bytes. Returns the connections planned.
     */
    int plan() {
        pass++;
        int planned = 0;
        int at = pendingHead;
        for (int k = 0; k < pendingCount; k++) {
            final TcpConnection c = connections.get(pending[at]);
            at = at + 1 == pending.length ? 0 : at + 1;
            if (next(c) == NextFrame.NOTHING || next.fetchTo <= next.from) {
                continue;
            }
            c.plannedPass = pass;
            final long ready = c.stream.readyEnd(next.from, next.fetchTo);
            if (ready < next.fetchTo) {
                c.stream.fetch(ready, next.fetchTo);
                planned++;
            }
        }
        return planned;
    }

    // ---------------------------------------------------------------------------------------
    // Output
    // ---------------------------------------------------------------------------------------

    /** The output step: visits the queued connections once each, in order; returns the frames sent. */
    int drain(long now) {
        int frames = 0;
        int visits = pendingCount;
        while (visits-- > 0 && pendingCount > 0) {
            final TcpConnection c = connections.get(pending[pendingHead]);
            pendingHead = pendingHead + 1 == pending.length ? 0 : pendingHead + 1;
            pendingCount--;
            c.queuedForOutput = false;
            final int sent = transmit(c, now);
            if (sent < 0) {
                requestOutput(c); // TX ring full: retry next pass, keep the rest queued
                frames += -sent - 1;
                break;
            }
            frames += sent;
        }
        return frames;
    }

    /**
     * Sends what {@code c} may send now. Returns frames sent, or {@code −(frames + 1)} when the
     * TX ring filled up. Re-queues the connection when it used its visit budget, or when it stopped
     * for bytes that the plan step of this pass did not ask for (it was woken after the plan, or
     * its frames moved on past what was planned): the next pass plans them.
     */
    private int transmit(TcpConnection c, long now) {
        final int state = c.state;
        if (state == TcpState.CLOSED || state == TcpState.SYN_RECEIVED) {
            return 0;
        }
        int frames = 0;
        if (state != TcpState.TIME_WAIT) {
            while (frames < FRAMES_PER_VISIT) {
                final int r = sendOne(c, now);
                if (r < 0) {
                    return -(frames + 1);
                }
                if (r == WAITING_FOR_DATA) {
                    if (frames > 0 || c.plannedPass != pass) {
                        requestOutput(c);
                    }
                    break;
                }
                if (r == 0) {
                    break;
                }
                frames++;
            }
            if (frames == FRAMES_PER_VISIT) {
                requestOutput(c);
            }
        }
        if (frames == 0 && c.ackNow) {
            if (!sender.sendAck(c, now)) {
                return -1;
            }
            frames++;
        }
        return frames;
    }

    private static final int WAITING_FOR_DATA = 2;

    /**
     * Sends one frame (retransmission first, then new data or FIN). 1 sent, 0 nothing to send,
     * {@link #WAITING_FOR_DATA} when its bytes are not in memory yet, −1 ring full.
     */
    private int sendOne(TcpConnection c, long now) {
        final int kind = next(c);
        final long streamEnd = c.stream.end();
        switch (kind) {
            case NextFrame.NOTHING -> {
                return 0;
            }
            case NextFrame.ZERO_WINDOW -> {
                timers.armPersist(c, now);
                return 0;
            }
            case NextFrame.FIRST_LOST -> {
                long end = next.from + next.length;
                final long ready = readyEnd(c, next.from, end);
                if (ready < end) {
                    if (ready == next.from || !c.stream.starved(ready)) {
                        counters.dataWaits++;
                        return WAITING_FOR_DATA; // regenerating it (a disk read); the source wakes us
                    }
                    // The segment spans two chunks and the connection cannot hold the second while
                    // it keeps the first: resend the part in memory now, the rest as the next hole.
                    counters.shortSegments++;
                    end = ready;
                }
                c.retransmitFirst = false;
                if (!sender.sendRange(c, c.sndUna, end, now)) {
                    c.retransmitFirst = true;
                    return -1;
                }
                c.highRxt = Math.max(c.highRxt, end);
                countRetransmission(c, end - c.sndUna, streamEnd, c.sndUna);
                return 1;
            }
            case NextFrame.HOLE -> {
                final long hole = next.from;
                final long length = readyEnd(c, hole, hole + next.length) - hole;
                if (length < Math.min(next.length, c.mss) && (length == 0 || !c.stream.starved(hole + length))) {
                    counters.dataWaits++;
                    return WAITING_FOR_DATA; // regenerating the hole's bytes; the source wakes us
                }
                if (!sender.sendRange(c, hole, hole + length, now)) {
                    return -1;
                }
                c.highRxt = hole + length;
                countRetransmission(c, length, streamEnd, hole);
                return 1;
            }
            case NextFrame.NEW_DATA -> {
                long length = next.length;
                final long ready = readyEnd(c, c.sndNxt, c.sndNxt + length);
                if (ready < c.sndNxt + length) {
                    if (!next.fetchNow) {
                        counters.fetchesDeferred++;
                    }
                    if (ready > c.sndNxt && c.stream.starved(ready)) {
                        // No more bytes come in until these go: send them all, a short segment at
                        // the end if need be, so the buffer they are in is freed (no hold and wait).
                        counters.shortSegments++;
                        length = ready - c.sndNxt;
                    } else if (ready - c.sndNxt < Math.min(length, c.mss)) {
                        counters.dataWaits++;
                        return next.fetchNow ? WAITING_FOR_DATA : 0; // a deferred read waits for the next ACK
                    } else if (c.stream.atUnitStart(ready)) {
                        // The ready bytes end a TLS record: all of it goes now, a short segment at
                        // the end if need be, so the record is sealed once and its buffer freed.
                        length = ready - c.sndNxt;
                    } else {
                        // Whole segments only: the rest follows with the next read, without a runt in between.
                        length = Math.max(Math.min(length, c.mss), (ready - c.sndNxt) / c.mss * c.mss);
                    }
                }
                if (length > c.mss) {
                    // End a long frame where a TLS record begins, not inside one: each record then
                    // goes out whole, sealed once (straight into the frame where the engine can).
                    final long aligned = c.stream.unitAlignedEnd(c.sndNxt, c.sndNxt + length);
                    if (aligned - c.sndNxt >= c.mss) {
                        length = aligned - c.sndNxt;
                    }
                }
                final long end = c.sndNxt + length + (c.finQueued && c.sndNxt + length == streamEnd ? 1 : 0);
                return sendNew(c, end, length, now) ? 1 : -1;
            }
            default -> {
                // Only the FIN is left (it needs no window).
                return sendNew(c, c.finOffset + 1, 0, now) ? 1 : -1;
            }
        }
    }

    /**
     * Decides what the next frame of {@code c} would carry, into {@link #next}, and returns its
     * kind. Changes nothing but the connection's cwnd-limited flag (which only says why it is not
     * sending more), so the plan step can ask the same question as the output step.
     */
    private int next(TcpConnection c) {
        final NextFrame f = next;
        f.clear();
        final int state = c.state;
        if (state == TcpState.CLOSED || state == TcpState.SYN_RECEIVED || state == TcpState.TIME_WAIT) {
            return f.kind;
        }
        final long streamEnd = c.stream.end();
        final long dataEnd = c.finQueued ? c.finOffset + 1 : streamEnd;
        final long cwnd = c.cc.cwnd();
        final int maxFrame = sender.maxFramePayload(c.mss);
        final long room;
        if (c.fastRecovery || c.lossRecovery) {
            final long boundary = c.recoveryBoundary();
            final long pipe = c.pipe(boundary);
            if (c.retransmitFirst) {
                // RFC 6675 §5 (4.3) / RFC 6582: the first lost segment goes out whatever pipe says.
                final long end = Math.min(c.scoreboard.holeEnd(c.sndUna, c.sndMax), c.sndUna + c.mss);
                return f.set(NextFrame.FIRST_LOST, c.sndUna, end - c.sndUna, end, true);
            }
            if (pipe >= cwnd) {
                return f.kind;
            }
            final long hole = c.scoreboard.nextHole(Math.max(c.highRxt, c.sndUna), boundary);
            if (hole != SackScoreboard.NONE) {
                final long end = c.scoreboard.holeEnd(hole, boundary);
                final long wanted = Math.min(end - hole, Math.min(maxFrame, Math.max(cwnd - pipe, c.mss)));
                return f.set(NextFrame.HOLE, hole, wanted, hole + wanted, true);
            }
            room = cwnd - pipe;
        } else {
            room = cwnd - (c.sndMax - c.sndUna);
        }
        if (c.sndNxt >= dataEnd) {
            c.cwndLimited = false; // application-limited
            return f.kind;
        }
        final long windowRoom = c.sndUna + c.sndWnd - c.sndNxt;
        final long unsent = streamEnd - c.sndNxt;
        if (unsent <= 0) {
            return f.set(NextFrame.FIN, c.sndNxt, 0, c.sndNxt, false);
        }
        // Held back by the congestion window (not by data or the peer): lets the window grow.
        c.cwndLimited = room < Math.min(unsent, windowRoom) || room < c.mss;
        if (windowRoom <= 0) {
            f.kind = NextFrame.ZERO_WINDOW;
            return f.kind;
        }
        final long sendable = Math.min(unsent, Math.min(room, windowRoom));
        final long length = Math.min(sendable, maxFrame);
        if (length <= 0) {
            return f.kind;
        }
        final boolean inFlight = c.sndMax > c.sndUna;
        if (length < unsent && inFlight) {
            if (length < c.mss) {
                return f.kind; // sender-side silly window avoidance: wait for ACKs to open a full segment
            }
            // TSO deferral (as Linux's tcp_tso_should_defer): while ACKs are on their way, wait
            // until a third of the window is free, so each ACK batch does not cut a small frame.
            if (!c.fastRecovery
                    && !c.lossRecovery
                    && length < maxFrame
                    && length < Math.min(cwnd, c.sndWnd) / TSO_WINDOW_DIVISOR) {
                return f.kind;
            }
        }
        // Bytes still on a drive are read only for the window the ACKs have opened, in reads
        // worth the trip: at least the watermark, unless it is the tail or nothing is in flight.
        final boolean fetchNow =
                sendable >= (long) config.fetchWatermarkSegments() * c.mss || sendable == unsent || !inFlight;
        return f.set(NextFrame.NEW_DATA, c.sndNxt, length, fetchNow ? c.sndNxt + sendable : c.sndNxt, fetchNow);
    }

    /** End of the run of bytes of {@code [from, to)} in memory now (the FIN's virtual byte always is). */
    private static long readyEnd(TcpConnection c, long from, long to) {
        final long dataTo = Math.min(to, c.stream.end());
        if (from >= dataTo) {
            return to;
        }
        final long ready = c.stream.readyEnd(from, dataTo);
        return ready == dataTo ? to : ready;
    }

    private static boolean ready(TcpConnection c, long from, long to) {
        return readyEnd(c, from, to) >= to;
    }

    private void countRetransmission(TcpConnection c, long length, long streamEnd, long from) {
        counters.retransmitFrames++;
        counters.retransmitBytes += Math.min(from + length, streamEnd) - Math.min(from, streamEnd);
        if (c.lossRecovery) {
            counters.rtoRetransmits++;
        } else {
            counters.fastRetransmits++;
        }
    }

    private boolean sendNew(TcpConnection c, long end, long payload, long now) {
        if (!sender.sendRange(c, c.sndNxt, end, now)) {
            return false;
        }
        if (c.rttTimedOffset < 0 && !c.fastRecovery && !c.lossRecovery) {
            c.rttTimedOffset = end;
            c.rttTimedAt = now;
        }
        counters.bytesOut += payload;
        c.sndNxt = end;
        if (end > c.sndMax) {
            c.sndMax = end;
        }
        if (!timers.isScheduled(c, TcpTimers.RETRANSMIT) || c.persistBackoffs > 0) {
            c.persistBackoffs = 0;
            timers.restartRetransmit(c, now);
        }
        return true;
    }

    /** What {@link #next} decided: the kind of the next frame, its range and the bytes to have in memory for it. */
    private static final class NextFrame {
        static final int NOTHING = 0;
        /** The first lost segment, resent whatever the pipe says. */
        static final int FIRST_LOST = 1;
        /** A hole the SACK scoreboard marks lost. */
        static final int HOLE = 2;

        static final int NEW_DATA = 3;
        /** Only the FIN is left. */
        static final int FIN = 4;
        /** New bytes wait for the peer to open its window. */
        static final int ZERO_WINDOW = 5;

        int kind;
        long from;
        long length;
        /** The plan step asks the sources for {@code [from, fetchTo)}; equal to {@code from} when nothing is read yet. */
        long fetchTo;

        boolean fetchNow;

        void clear() {
            kind = NOTHING;
            from = 0;
            length = 0;
            fetchTo = 0;
            fetchNow = false;
        }

        int set(int frameKind, long start, long bytes, long fetchEnd, boolean fetch) {
            kind = frameKind;
            from = start;
            length = bytes;
            fetchTo = fetchEnd;
            fetchNow = fetch;
            return frameKind;
        }
    }
}
