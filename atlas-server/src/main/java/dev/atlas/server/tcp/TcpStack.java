package dev.atlas.server.tcp;

import dev.atlas.server.proto.ArpTable;
import dev.atlas.server.proto.InterfaceAddress;
import dev.atlas.server.proto.TcpOptions;
import dev.atlas.server.proto.TcpSegmentHandler;
import dev.atlas.server.ring.PacketRing;
import dev.atlas.server.tcp.cc.CongestionControl;
import dev.atlas.server.tcp.cc.Cubic;
import dev.atlas.server.tcp.cc.NewReno;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * The TCP engine of one lane, as the lane's steps see it: {@link #onTcpSegment} is the receive
 * step ({@link TcpInput}), {@link #plan} and {@link #output} the plan and output steps
 * ({@link TcpOutput}), {@link #timers} the timer step ({@link TcpTimers}). It builds those parts
 * and the connection table ({@link TcpConnections}) once, from the configuration, and owns what
 * they share: the life cycle of a connection from establishment to release.
 *
 * <p>Loss recovery is RFC 6675 (SACK scoreboard, pipe) with NewReno partial-ACK handling for
 * peers without SACK, RTO per RFC 6298, a persist timer for zero windows, SYN cookies beyond the
 * bounded SYN queue, RFC 5961 RST/SYN checks. Single-threaded (the lane thread); allocation-free
 * once constructed.
 */
public final class TcpStack implements TcpSegmentHandler {
    private final TcpConfig config;
    private final TcpApplication application;
    private final TcpCounters counters = new TcpCounters();
    private final TcpConnections connections;
    private final TcpTimers timers;
    private final ServiceFairness fairness;
    private final TcpOutput output;
    private final SegmentSender sender;
    private final TcpInput input;

    /** One lane's engine; every table is sized from {@code config} here, once. */
    public TcpStack(
            InterfaceAddress local, ArpTable arpTable, PacketRing ring, TcpConfig config, TcpApplication application) {
        this.config = config;
        this.application = application;
        final int n = config.maxConnections();
        final long retained = config.retainedBytesPerConnection();
        // Reserved, not allocated: a slot's retained store is resident only once a connection in it has sent a head.
        final MemorySegment arena = ReservedMemory.reserve(retained * n);
        final TcpConnection[] slots = new TcpConnection[n];
        for (int i = 0; i < n; i++) {
            slots[i] = new TcpConnection(
                    this,
                    i,
                    new SendStream(config.streamSegmentsPerConnection(), arena.asSlice(retained * i, retained)),
                    new SackScoreboard(config.streamSegmentsPerConnection()),
                    new RtoEstimator(
                            config.initialRtoNanos(),
                            config.minRtoNanos(),
                            config.maxRtoNanos(),
                            config.timerTickNanos()),
                    newCongestionControl(config));
        }
        final SplittableRandom random = new SplittableRandom();
        final TcpOptions options = new TcpOptions();
        this.connections = new TcpConnections(slots, arpTable, counters, config.maxConnectionsPerAddress());
        this.timers = new TcpTimers(config, counters, this, application);
        this.sender = new SegmentSender(local, ring, config, counters, timers, random.nextInt());
        final TcpHandshake handshake =
                new TcpHandshake(config, counters, connections, options, timers, sender, this, random);
        this.output = new TcpOutput(config, counters, connections, timers, sender);
        this.input = new TcpInput(
                local, config, counters, connections, options, timers, handshake, output, sender, this, application);
        timers.output(output, sender);
        this.fairness = new ServiceFairness(connections, counters);
        handshake.input(input);
    }

    private static CongestionControl newCongestionControl(TcpConfig config) {
        return config.congestionControl() == TcpConfig.CongestionControlKind.CUBIC ? new Cubic() : new NewReno();
    }

    /** Accepts connections to {@code port}. */
    public void listen(int port) {
        connections.listen(port);
    }

    public TcpCounters counters() {
        return counters;
    }

    public TcpConfig config() {
        return config;
    }

    /** Connections in the table (any state but CLOSED, TIME_WAIT included). */
    public int connectionCount() {
        return connections.inUse();
    }

    /** The connection in slot {@code id} (for diagnostics and tests). */
    public TcpConnection connection(int id) {
        return connections.get(id);
    }

    // ---------------------------------------------------------------------------------------
    // The lane's steps
    // ---------------------------------------------------------------------------------------

    /** Receive step: one validated TCP segment (from {@code FrameInput}). */
    @Override
    public void onTcpSegment(MemorySegment frame, int ipOffset, int tcpOffset, int segmentEnd, long nowNanos) {
        input.onTcpSegment(frame, ipOffset, tcpOffset, segmentEnd, nowNanos);
    }

    /** Plan step: asks the send streams' sources for the bytes queued connections may send; returns connections planned. */
    public int plan(long nowNanos) {
        timers.start(nowNanos);
        return output.plan();
    }

    /** Output step: frames for the queued connections, from what is in memory; returns frames sent. */
    public int output(long nowNanos) {
        timers.start(nowNanos);
        return output.drain(nowNanos);
    }

    /** Timer step: fires due retransmission, persist, delayed-ACK, idle and TIME_WAIT timers; returns how many. */
    public int timers(long nowNanos) {
        fairness.sample(nowNanos);
        return timers.expire(nowNanos);
    }

    // ---------------------------------------------------------------------------------------
    // Connection life cycle (shared by input, timers and the application's handle)
    // ---------------------------------------------------------------------------------------

    void requestOutput(TcpConnection c) {
        output.requestOutput(c);
    }

    void deadline(TcpConnection c, long delayNanos) {
        timers.applicationDeadline(c, delayNanos);
    }

    void cancelDeadline(TcpConnection c) {
        timers.cancel(c, TcpTimers.APPLICATION);
    }

    void evictable(TcpConnection c, int queue) {
        connections.queue(c, queue);
    }

    void establish(TcpConnection c, long now) {
        c.establish(config.initialWindowSegments(), now);
        counters.connectionsOpen++;
        counters.connectionsTotal++;
        timers.schedule(c, TcpTimers.LIFETIME, now + config.idleTimeoutNanos());
        c.appAttached = true;
        application.onAccept(c);
    }

    void enterTimeWait(TcpConnection c, long now) {
        c.state = TcpState.TIME_WAIT;
        timers.cancel(c, TcpTimers.RETRANSMIT);
        timers.cancel(c, TcpTimers.DELAYED_ACK);
        timers.schedule(c, TcpTimers.LIFETIME, now + config.timeWaitNanos());
        detach(c);
    }

    void abort(TcpConnection c, boolean sendReset) {
        if (sendReset && c.state != TcpState.TIME_WAIT && c.state != TcpState.CLOSED && sender.sendReset(c)) {
            counters.resetsSent++;
        }
        release(c);
    }

    void release(TcpConnection c) {
        if (c.state == TcpState.CLOSED) {
            return;
        }
        if (c.state == TcpState.SYN_RECEIVED) {
            connections.synQueued(-1);
        }
        c.state = TcpState.CLOSED;
        timers.cancelAll(c);
        detach(c);
        connections.free(c);
    }

    private void detach(TcpConnection c) {
        if (c.appAttached) {
            c.appAttached = false;
            counters.connectionsOpen--;
            application.onClose(c);
            c.clearAttachment();
        }
    }

    /**
     * Resets every connection (the server is stopping): each peer learns at once instead of
     * timing out. Returns how many were reset.
     */
    public int resetAll() {
        int reset = 0;
        for (int id = 0; id < connections.capacity(); id++) {
            final TcpConnection c = connections.get(id);
            if (c.state != TcpState.CLOSED) {
                abort(c, true);
                reset++;
            }
        }
        return reset;
    }
}
