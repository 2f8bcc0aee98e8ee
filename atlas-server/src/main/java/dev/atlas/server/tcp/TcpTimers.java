package dev.atlas.server.tcp;

import dev.atlas.server.tcp.timer.HashedTimingWheel;
import dev.atlas.server.tcp.timer.TimerHandler;

/**
 * The timer step of a lane's TCP engine: each connection has four timers in one hashed timing
 * wheel — retransmission (which doubles as the persist timer and the SYN-ACK resend), delayed
 * ACK, lifetime (idle timeout, TIME_WAIT) and the application's deadline (a request head that
 * must be complete, a keep-alive connection's idle bound) — and this class says what happens
 * when one fires.
 */
final class TcpTimers implements TimerHandler {
    static final int RETRANSMIT = 0;
    static final int DELAYED_ACK = 1;
    static final int LIFETIME = 2;
    static final int APPLICATION = 3;
    static final int KINDS = 4;

    /** Largest back-off shift of the persist timer; the interval is capped by the maximum RTO anyway. */
    private static final int MAX_PERSIST_SHIFT = 20;

    private final HashedTimingWheel wheel;
    private final TcpConfig config;
    private final TcpCounters counters;
    private final TcpStack stack;
    private final TcpApplication application;
    private TcpOutput output;
    private SegmentSender sender;
    private boolean started;
    /** The clock of the step running now (the lane pass's), for deadlines the application sets from its callbacks. */
    private long now;

    TcpTimers(TcpConfig config, TcpCounters counters, TcpStack stack, TcpApplication application) {
        this.config = config;
        this.counters = counters;
        this.stack = stack;
        this.application = application;
        this.wheel = new HashedTimingWheel(
                config.maxConnections() * KINDS, config.timerWheelSlots(), config.timerTickNanos(), System.nanoTime());
    }

    /** The output side, built after the timers (they schedule its retransmissions; it queues what they fire). */
    void output(TcpOutput value, SegmentSender segments) {
        output = value;
        sender = segments;
    }

    /** The wheel's clock starts with the lane's first pass, not at construction. */
    void start(long now) {
        this.now = now;
        if (!started) {
            started = true;
            wheel.start(now);
        }
    }

    /** The application's deadline for {@code c}: {@code delay} from the current step's clock. */
    void applicationDeadline(TcpConnection c, long delay) {
        wheel.schedule(id(c, APPLICATION), now + delay);
    }

    /** The lane's timer step: fires what is due; returns how many fired. */
    int expire(long now) {
        start(now);
        return wheel.expire(now, this);
    }

    void schedule(TcpConnection c, int kind, long deadline) {
        wheel.schedule(id(c, kind), deadline);
    }

    boolean isScheduled(TcpConnection c, int kind) {
        return wheel.isScheduled(id(c, kind));
    }

    void cancel(TcpConnection c, int kind) {
        wheel.cancel(id(c, kind));
    }

    void cancelAll(TcpConnection c) {
        for (int kind = 0; kind < KINDS; kind++) {
            wheel.cancel(id(c, kind));
        }
    }

    /** (Re)starts the retransmission timer one RTO from now. */
    void restartRetransmit(TcpConnection c, long now) {
        wheel.schedule(id(c, RETRANSMIT), now + c.rto.rtoNanos());
    }

    /** Starts the delayed-ACK timer unless it runs already. */
    void delayAck(TcpConnection c, long now) {
        if (!wheel.isScheduled(id(c, DELAYED_ACK))) {
            wheel.schedule(id(c, DELAYED_ACK), now + config.delayedAckNanos());
        }
    }

    /** Nothing in flight and a zero window: probe after the persist interval (RFC 9293 §3.8.6.1). */
    void armPersist(TcpConnection c, long now) {
        if (c.sndUna == c.sndMax && !isScheduled(c, RETRANSMIT)) {
            schedule(c, RETRANSMIT, now + persistInterval(c));
        }
    }

    private long persistInterval(TcpConnection c) {
        final int shift = Math.min(c.persistBackoffs, MAX_PERSIST_SHIFT);
        return Math.min(config.maxRtoNanos(), c.rto.rtoNanos() << shift);
    }

    @Override
    public void onTimer(int timerId, long now) {
        final TcpConnection c = stack.connection(timerId / KINDS);
        switch (timerId % KINDS) {
            case RETRANSMIT -> retransmitTimeout(c, now);
            case DELAYED_ACK -> {
                if (c.ackPending) {
                    counters.delayedAcks++;
                    c.ackNow = true;
                    output.requestOutput(c);
                }
            }
            case LIFETIME -> lifetimeTimeout(c, now);
            default -> {
                if (c.appAttached) {
                    counters.applicationDeadlines++;
                    application.onDeadline(c);
                }
            }
        }
    }

    private void retransmitTimeout(TcpConnection c, long now) {
        if (c.state == TcpState.SYN_RECEIVED) {
            if (++c.synAckRetries > config.maxSynAckRetransmissions()) {
                stack.release(c);
                return;
            }
            c.rto.backOff();
            sender.sendSynAck(c, now);
            restartRetransmit(c, now);
            return;
        }
        if (c.state == TcpState.CLOSED || c.state == TcpState.TIME_WAIT) {
            return;
        }
        if (c.sndUna == c.sndMax) {
            if (c.sndNxt < c.stream.end() && c.sndUna + c.sndWnd <= c.sndNxt) {
                counters.persistProbes++;
                sender.sendWindowProbe(c, now);
                c.persistBackoffs++;
                schedule(c, RETRANSMIT, now + persistInterval(c));
            }
            return;
        }
        if (++c.retries > config.maxRetransmissions()) {
            counters.retransmitTimeouts++;
            stack.abort(c, true);
            return;
        }
        counters.rtoEvents++;
        c.enterLossRecovery(now);
        restartRetransmit(c, now);
        output.requestOutput(c);
    }

    private void lifetimeTimeout(TcpConnection c, long now) {
        if (c.state == TcpState.TIME_WAIT) {
            counters.timeWaitExpired++;
            stack.release(c);
            return;
        }
        if (c.state == TcpState.CLOSED) {
            return;
        }
        final long idleUntil = c.lastReceivedNanos + config.idleTimeoutNanos();
        if (now - idleUntil >= 0) {
            counters.idleTimeouts++;
            stack.abort(c, true);
        } else {
            schedule(c, LIFETIME, idleUntil);
        }
    }

    private static int id(TcpConnection c, int kind) {
        return c.id * KINDS + kind;
    }
}
