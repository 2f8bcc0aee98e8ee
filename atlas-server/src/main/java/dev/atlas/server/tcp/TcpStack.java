package dev.atlas.server.tcp;

import dev.atlas.server.proto.ArpTable;
import dev.atlas.server.proto.EthernetHeader;
import dev.atlas.server.proto.InterfaceAddress;
import dev.atlas.server.proto.Ipv4Header;
import dev.atlas.server.proto.TcpHeader;
import dev.atlas.server.proto.TcpOptions;
import dev.atlas.server.proto.TcpSegmentHandler;
import dev.atlas.server.ring.PacketRing;
import dev.atlas.server.tcp.cc.CongestionControl;
import dev.atlas.server.tcp.cc.Cubic;
import dev.atlas.server.tcp.cc.NewReno;
import dev.atlas.server.tcp.timer.HashedTimingWheel;
import dev.atlas.server.tcp.timer.TimerHandler;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * The TCP engine of one lane (passive opens only: a CDN edge accepts, it does not dial).
 * {@link #onTcpSegment} runs segment arrival (RFC 9293 §3.10.7) against a preallocated
 * connection table; {@link #poll} fires timers and sends what connections have queued, as
 * TSO super-frames of up to 64 KiB. Loss recovery is RFC 6675 (SACK scoreboard, pipe) with
 * NewReno partial-ACK handling for peers without SACK, RTO per RFC 6298, a persist timer for
 * zero windows, SYN cookies beyond the bounded SYN queue, RFC 5961 RST/SYN checks.
 *
 * <p>Received bytes are handed to the application in order at once; it says how many it took
 * and only those are acknowledged. The advertised window is the configured one, capped by what
 * the application says it can still hold ({@link TcpConnection#receiveLimit}), so a client
 * pipelining far ahead is held back by its window instead of being refused. Out-of-order
 * segments are dropped (not SACKed: we hold none of their bytes) and answered with a duplicate
 * ACK, which is enough for the small requests a CDN receives.
 *
 * <p>Single-threaded (the lane thread); allocation-free once constructed.
 */
public final class TcpStack implements TcpSegmentHandler, TimerHandler {
    static final int TIMER_RETRANSMIT = 0;
    static final int TIMER_DELAYED_ACK = 1;
    static final int TIMER_LIFETIME = 2;
    static final int TIMER_KINDS = 3;

    private static final long NANOS_PER_MILLI = 1_000_000L;
    private static final int MIN_MSS = 64;
    /** MSS assumed when the SYN has none (RFC 9293 §3.7.1). */
    private static final int DEFAULT_MSS = 536;
    /** Frames one connection may send per visit before others get a turn. */
    private static final int FRAMES_PER_VISIT = 8;
    private static final int PORTS = 1 << 16;
    private static final int UNSCALED_WINDOW_MAX = 0xFFFF;
    /** Send a partial TSO frame only once this fraction of the window is free (Linux's tso_win_divisor). */
    private static final int TSO_WINDOW_DIVISOR = 3;

    private final InterfaceAddress local;
    private final ArpTable arpTable;
    private final TcpConfig config;
    private final TcpApplication application;
    private final TcpCounters counters = new TcpCounters();
    private final SegmentWriter writer;
    private final TcpOptions options = new TcpOptions();
    private final HashedTimingWheel wheel;
    private final SynCookies cookies;
    private final SplittableRandom random;
    private final int tsOffset;

    private final TcpConnection[] connections;
    private final ConnectionTable table;
    private final int[] freeIds;
    private int freeCount;
    private final boolean[] listening = new boolean[PORTS];
    private int synQueued;

    private final int[] pending;
    private int pendingHead;
    private int pendingCount;
    private boolean clockStarted;

    /** One lane's engine; every table is sized from {@code config} here, once. */
    public TcpStack(InterfaceAddress local, ArpTable arpTable, PacketRing ring, TcpConfig config, TcpApplication application) {
        this.local = local;
        this.arpTable = arpTable;
        this.config = config;
        this.application = application;
        this.writer = new SegmentWriter(local, ring, counters);
        final int n = config.maxConnections();
        this.random = new SplittableRandom();
        this.cookies = new SynCookies(random.nextLong(), random.nextLong());
        this.tsOffset = random.nextInt();
        this.wheel = new HashedTimingWheel(n * TIMER_KINDS, config.timerWheelSlots(), config.timerTickNanos(), System.nanoTime());
        this.connections = new TcpConnection[n];
        this.table = new ConnectionTable(n);
        this.freeIds = new int[n];
        this.pending = new int[n];
        final long retained = config.retainedBytesPerConnection();
        final MemorySegment arena = Arena.ofAuto().allocate(retained * n, Long.BYTES);
        for (int i = 0; i < n; i++) {
            final CongestionControl cc = config.congestionControl() == TcpConfig.CongestionControlKind.CUBIC ? new Cubic() : new NewReno();
            connections[i] = new TcpConnection(this, i,
                new SendStream(config.streamSegmentsPerConnection(), arena.asSlice(retained * i, retained)),
                new SackScoreboard(config.streamSegmentsPerConnection()),
                new RtoEstimator(config.initialRtoNanos(), config.minRtoNanos(), config.maxRtoNanos(), config.timerTickNanos()),
                cc);
            freeIds[i] = n - 1 - i;
        }
        freeCount = n;
    }

    /** Accepts connections to {@code port}. */
    public void listen(int port) {
        if (port <= 0 || port >= PORTS) {
            throw new IllegalArgumentException("port " + port + " is outside 1..65535");
        }
        listening[port] = true;
    }

    public TcpCounters counters() {
        return counters;
    }

    public TcpConfig config() {
        return config;
    }

    /** Connections in the table (any state but CLOSED, TIME_WAIT included). */
    public int connectionCount() {
        return connections.length - freeCount;
    }

    /** The connection in slot {@code id} (for diagnostics and tests). */
    public TcpConnection connection(int id) {
        return connections[id];
    }

    /** Fires due timers and sends queued output; returns the work done (frames and timers). */
    public int poll(long nowNanos) {
        startClock(nowNanos);
        int work = wheel.expire(nowNanos, this);
        work += drainPending(nowNanos);
        return work;
    }

    // ---------------------------------------------------------------------------------------
    // Segment arrival
    // ---------------------------------------------------------------------------------------

    @Override
    public void onTcpSegment(MemorySegment frame, int ipOffset, int tcpOffset, int segmentEnd, long nowNanos) {
        counters.segmentsIn++;
        startClock(nowNanos);
        final int headerLength = TcpHeader.headerLength(frame, tcpOffset);
        if (headerLength < TcpHeader.MIN_LENGTH || tcpOffset + headerLength > segmentEnd
            || ipOffset < EthernetHeader.LENGTH || !options.parse(frame, tcpOffset)) {
            counters.droppedSegments++;
            return;
        }
        final int source = Ipv4Header.source(frame, ipOffset);
        final int destination = Ipv4Header.destination(frame, ipOffset);
        final int sourcePort = TcpHeader.sourcePort(frame, tcpOffset);
        final int destinationPort = TcpHeader.destinationPort(frame, tcpOffset);
        if (destination != local.ipv4() || source == 0 || source == -1 || sourcePort == 0 || destinationPort == 0) {
            counters.droppedSegments++;
            return;
        }
        final int seq = TcpHeader.sequence(frame, tcpOffset);
        final int ack = TcpHeader.acknowledgment(frame, tcpOffset);
        final int flags = TcpHeader.flags(frame, tcpOffset);
        final int window = TcpHeader.window(frame, tcpOffset);
        final int payloadOffset = tcpOffset + headerLength;
        final int payloadLength = segmentEnd - payloadOffset;
        final long key = ConnectionTable.key(source, sourcePort, destinationPort);
        final long sourceMac = EthernetHeader.source(frame, ipOffset - EthernetHeader.LENGTH);

        int id = table.get(key);
        if (id != ConnectionTable.MISSING) {
            final TcpConnection c = connections[id];
            if (c.state == TcpState.TIME_WAIT && (flags & (TcpHeader.FLAG_SYN | TcpHeader.FLAG_ACK)) == TcpHeader.FLAG_SYN
                && seq - c.rcvNxt > 0) {
                // RFC 6191-style reuse: a new SYN above the old connection's sequence space.
                release(c);
                id = ConnectionTable.MISSING;
            } else {
                c.lastReceivedNanos = nowNanos;
                if (c.state == TcpState.SYN_RECEIVED) {
                    synReceived(c, frame, seq, ack, flags, window, payloadOffset, payloadLength, nowNanos);
                } else {
                    synchronizedArrival(c, frame, seq, ack, flags, window, payloadOffset, payloadLength, nowNanos);
                }
                return;
            }
        }
        noConnection(frame, key, sourceMac, source, sourcePort, destinationPort, seq, ack, flags, window,
            payloadOffset, payloadLength, nowNanos);
    }

    private void noConnection(MemorySegment frame, long key, long sourceMac, int source, int sourcePort, int localPort,
                              int seq, int ack, int flags, int window, int payloadOffset, int payloadLength, long now) {
        if ((flags & TcpHeader.FLAG_RST) != 0) {
            return;
        }
        if (!listening[localPort]) {
            counters.connectionsRefused++;
            sendResetFor(sourceMac, source, sourcePort, localPort, seq, ack, flags, payloadLength);
            return;
        }
        final int synAck = flags & (TcpHeader.FLAG_SYN | TcpHeader.FLAG_ACK);
        if (synAck == TcpHeader.FLAG_SYN) {
            onSyn(key, sourceMac, source, sourcePort, localPort, seq, window, now);
            return;
        }
        if (synAck == TcpHeader.FLAG_ACK && config.synCookies()) {
            final int mssIndex = cookies.decode(key, seq, ack, now);
            if (mssIndex >= 0 && freeCount > 0) {
                counters.synCookiesAccepted++;
                final TcpConnection c = fromCookie(key, sourceMac, source, sourcePort, localPort, seq, ack, window, mssIndex, now);
                if (c.state != TcpState.CLOSED) {
                    synchronizedArrival(c, frame, seq, ack, flags, window, payloadOffset, payloadLength, now);
                }
                return;
            }
            counters.synCookiesRejected++;
        }
        if ((flags & TcpHeader.FLAG_ACK) != 0) {
            sendResetFor(sourceMac, source, sourcePort, localPort, seq, ack, flags, payloadLength);
        }
    }

    private void onSyn(long key, long sourceMac, int source, int sourcePort, int localPort, int seq, int window, long now) {
        counters.synsReceived++;
        if (synQueued < config.synQueueCapacity() && freeCount > 0) {
            final TcpConnection c = allocate(key, sourceMac, source, sourcePort, localPort, now);
            c.state = TcpState.SYN_RECEIVED;
            synQueued++;
            c.irs = seq;
            c.rcvNxt = seq + 1;
            c.iss = random.nextInt();
            negotiate(c, options.mss(), options.windowScale(), options.sackPermitted(), options.timestampPresent());
            c.tsRecent = options.timestampValue();
            c.sndWnd = window;
            c.sndWl1 = seq;
            c.rttTimedAt = now;
            sendSynAck(c, now);
            wheel.schedule(timerId(c, TIMER_RETRANSMIT), now + c.rto.rtoNanos());
            return;
        }
        counters.synQueueOverflows++;
        if (!config.synCookies()) {
            return;
        }
        final int peerMss = options.mss() == TcpOptions.ABSENT ? DEFAULT_MSS : options.mss();
        final int mssIndex = SynCookies.mssIndex(Math.min(peerMss, config.mss()));
        final int iss = cookies.encode(key, seq, mssIndex, now);
        final boolean ts = options.timestampPresent() && config.timestamps();
        final int wscale = options.windowScale() != TcpOptions.ABSENT && config.windowScale() > 0 ? options.windowScale() : -1;
        final boolean sack = options.sackPermitted() && config.sack();
        final int tsVal = SynCookies.encodeTimestamp(clock(now), ts ? wscale : -1, ts && sack);
        if (writer.send(sourceMac, source, localPort, sourcePort, iss, seq + 1, TcpHeader.FLAG_SYN | TcpHeader.FLAG_ACK,
            Math.min(UNSCALED_WINDOW_MAX, config.receiveWindow()), config.mss(), ts && wscale >= 0 ? config.windowScale() : -1,
            ts && sack, ts, tsVal, options.timestampValue(), null, 0, 0, config.mss())) {
            counters.synCookiesSent++;
        }
    }

    private TcpConnection fromCookie(long key, long sourceMac, int source, int sourcePort, int localPort,
                                     int seq, int ack, int window, int mssIndex, long now) {
        final TcpConnection c = allocate(key, sourceMac, source, sourcePort, localPort, now);
        c.irs = seq - 1;
        c.rcvNxt = seq;
        c.iss = ack - 1;
        c.cookie = true;
        if (options.timestampPresent()) {
            final int bits = options.timestampEcho() & SynCookies.TS_OPTION_MASK;
            final int wscale = bits & SynCookies.TS_NO_WSCALE;
            negotiate(c, SynCookies.mssOf(mssIndex), wscale == SynCookies.TS_NO_WSCALE ? TcpOptions.ABSENT : wscale,
                (bits & SynCookies.TS_SACK_BIT) != 0, true);
            c.tsRecent = options.timestampValue();
        } else {
            negotiate(c, SynCookies.mssOf(mssIndex), TcpOptions.ABSENT, false, false);
        }
        c.sndWnd = (long) window << c.sndWndScale;
        c.sndWl1 = seq;
        c.sndWl2 = ack;
        establish(c, now);
        return c;
    }

    private void negotiate(TcpConnection c, int peerMss, int peerWindowScale, boolean sackPermitted, boolean timestamps) {
        final int offered = peerMss == TcpOptions.ABSENT ? DEFAULT_MSS : peerMss;
        c.timestamps = timestamps && config.timestamps();
        // The MSS counts payload only: the timestamp option on every segment comes out of it (RFC 7323 §2.3 note, as Linux does).
        c.mss = Math.max(MIN_MSS, Math.min(offered, config.mss()) - (c.timestamps ? SegmentWriter.TIMESTAMP_OPTION : 0));
        if (peerWindowScale != TcpOptions.ABSENT && config.windowScale() > 0) {
            c.sndWndScale = peerWindowScale;
            c.rcvWndScale = config.windowScale();
        } else {
            c.sndWndScale = 0;
            c.rcvWndScale = 0;
        }
        c.sackPermitted = sackPermitted && config.sack();
    }

    private void synReceived(TcpConnection c, MemorySegment frame, int seq, int ack, int flags, int window,
                             int payloadOffset, int payloadLength, long now) {
        if ((flags & TcpHeader.FLAG_RST) != 0) {
            if (seq == c.rcvNxt) {
                counters.resetsReceived++;
                release(c);
            }
            return;
        }
        if ((flags & TcpHeader.FLAG_SYN) != 0) {
            if (seq == c.irs) {
                sendSynAck(c, now); // our SYN-ACK was lost
            }
            return;
        }
        if ((flags & TcpHeader.FLAG_ACK) == 0) {
            return;
        }
        if (ack != c.iss + 1) {
            sendResetFor(c.remoteMac, c.remoteAddress, c.remotePort, c.localPort, seq, ack, flags, payloadLength);
            return;
        }
        synQueued--;
        if (c.synAckRetries == 0) {
            c.rto.onSample(now - c.rttTimedAt);
        }
        wheel.cancel(timerId(c, TIMER_RETRANSMIT));
        c.sndWnd = (long) window << c.sndWndScale;
        c.sndWl1 = seq;
        c.sndWl2 = ack;
        establish(c, now);
        if (c.state == TcpState.ESTABLISHED || c.state == TcpState.FIN_WAIT_1) {
            synchronizedArrival(c, frame, seq, ack, flags, window, payloadOffset, payloadLength, now);
        }
    }

    private void establish(TcpConnection c, long now) {
        c.state = TcpState.ESTABLISHED;
        c.sndUna = 0;
        c.sndNxt = 0;
        c.sndMax = 0;
        c.cc.init(c.mss, config.initialWindowSegments(), now);
        counters.connectionsOpen++;
        counters.connectionsTotal++;
        wheel.schedule(timerId(c, TIMER_LIFETIME), now + config.idleTimeoutNanos());
        c.appAttached = true;
        application.onAccept(c);
    }

    /** Segment arrival in ESTABLISHED and later states (RFC 9293 §3.10.7.4). */
    private void synchronizedArrival(TcpConnection c, MemorySegment frame, int seq, int ack, int flags, int window,
                                     int payloadOffset, int payloadLength, long now) {
        final boolean fin = (flags & TcpHeader.FLAG_FIN) != 0;
        final int segmentLength = payloadLength + (fin ? 1 : 0);
        final long receiveWindow = acceptanceWindow(c);
        final int delta = seq - c.rcvNxt;
        final boolean acceptable = segmentLength == 0
            ? delta == 0 || (delta > 0 && delta < receiveWindow)
            : (delta >= 0 && delta < receiveWindow) || (delta < 0 && delta + segmentLength > 0);
        if (!acceptable) {
            if ((flags & TcpHeader.FLAG_RST) == 0) {
                sendAck(c, now);
            }
            return;
        }
        if ((flags & TcpHeader.FLAG_RST) != 0) {
            if (delta == 0) {
                counters.resetsReceived++;
                c.resetByPeer = true;
                release(c);
            } else {
                counters.challengeAcks++; // RFC 5961 §3.2: in window but not exact
                sendAck(c, now);
            }
            return;
        }
        if ((flags & TcpHeader.FLAG_SYN) != 0) {
            counters.challengeAcks++; // RFC 5961 §4.2
            sendAck(c, now);
            return;
        }
        if ((flags & TcpHeader.FLAG_ACK) == 0) {
            return;
        }
        if (c.timestamps && options.timestampPresent() && delta <= 0 && options.timestampValue() - c.tsRecent >= 0) {
            c.tsRecent = options.timestampValue();
        }
        if (!processAck(c, seq, ack, window, segmentLength, flags, now)) {
            return;
        }
        if (c.finQueued && c.sndUna > c.finOffset) {
            if (c.state == TcpState.FIN_WAIT_1) {
                c.state = TcpState.FIN_WAIT_2;
            } else if (c.state == TcpState.CLOSING) {
                enterTimeWait(c, now);
                return;
            } else if (c.state == TcpState.LAST_ACK) {
                release(c);
                return;
            }
        }
        if (c.state == TcpState.TIME_WAIT) {
            if (fin) {
                sendAck(c, now);
                wheel.schedule(timerId(c, TIMER_LIFETIME), now + config.timeWaitNanos());
            }
            return;
        }
        if (payloadLength > 0 && TcpState.canReceive(c.state)) {
            if (delta <= 0) {
                final int skip = -delta;
                final int fresh = payloadLength - skip;
                if (fresh > 0) {
                    final int taken = application.onData(c, frame, payloadOffset + skip, fresh);
                    if (!TcpState.canReceive(c.state) && c.state != TcpState.CLOSE_WAIT && c.state != TcpState.LAST_ACK) {
                        return; // the application aborted
                    }
                    // Only what the application took is acknowledged; the peer sends the rest again.
                    c.rcvNxt += taken;
                    counters.bytesIn += taken;
                    c.unackedSegments++;
                    c.ackPending = true;
                    if (skip > 0 || c.unackedSegments >= 2 || taken < fresh) {
                        c.ackNow = true;
                    } else if (!wheel.isScheduled(timerId(c, TIMER_DELAYED_ACK))) {
                        wheel.schedule(timerId(c, TIMER_DELAYED_ACK), now + config.delayedAckNanos());
                    }
                } else {
                    c.ackNow = true; // a pure duplicate: tell the peer where we are
                }
            } else {
                counters.outOfOrderSegments++;
                c.ackNow = true;
                requestOutput(c);
                return;
            }
        }
        if (fin && seq + payloadLength == c.rcvNxt && !c.peerFinReceived) {
            c.rcvNxt++;
            c.peerFinReceived = true;
            c.ackNow = true;
            if (c.state == TcpState.ESTABLISHED) {
                c.state = TcpState.CLOSE_WAIT;
                // HTTP has no use for half-open connections: finish what is queued, then FIN.
                c.shutdownOutput();
            } else if (c.state == TcpState.FIN_WAIT_1) {
                c.state = TcpState.CLOSING;
            } else if (c.state == TcpState.FIN_WAIT_2) {
                sendAck(c, now);
                enterTimeWait(c, now);
                return;
            }
        }
        if (c.ackNow || c.ackPending) {
            requestOutput(c);
        }
    }

    /**
     * ACK processing: window update, SACK blocks, cumulative ACK, RTT, congestion control,
     * duplicate ACKs and entry into fast recovery. Returns {@code false} when the segment must
     * be dropped (it acknowledged data never sent, or the connection went away).
     */
    private boolean processAck(TcpConnection c, int seq, int ack, int window, int segmentLength, int flags, long now) {
        final long una = c.sndUna;
        final int unaSeq = wireSeq(c, una);
        final int d = ack - unaSeq;
        final long ackOffset = una + d;
        if (d < 0) {
            return true; // an old ACK: nothing to learn (its window is stale)
        }
        if (ackOffset > c.sndMax) {
            sendAck(c, now); // acknowledges data we never sent
            return false;
        }
        boolean windowChanged = false;
        if (seq - c.sndWl1 > 0 || (seq == c.sndWl1 && ack - c.sndWl2 >= 0)) {
            final long newWindow = (long) window << c.sndWndScale;
            windowChanged = newWindow != c.sndWnd;
            c.sndWnd = newWindow;
            c.sndWl1 = seq;
            c.sndWl2 = ack;
        }
        if (c.sackPermitted) {
            for (int i = 0; i < options.sackBlockCount(); i++) {
                final long left = una + (options.sackLeft(i) - unaSeq);
                final long right = una + (options.sackRight(i) - unaSeq);
                if (left > una && right > left && right <= c.sndMax) {
                    c.scoreboard.add(left, right);
                }
            }
        }
        final long inFlightBefore = c.cwndLimited ? Math.max(c.sndMax - una, c.cc.cwnd()) : c.sndMax - una;
        if (ackOffset > una) {
            final long acked = ackOffset - una;
            c.sndUna = ackOffset;
            c.stream.trim(Math.min(ackOffset, c.stream.end()));
            c.scoreboard.trim(ackOffset);
            if (c.highRxt < ackOffset) {
                c.highRxt = ackOffset;
            }
            if (c.rttTimedOffset >= 0 && ackOffset >= c.rttTimedOffset) {
                c.rto.onSample(now - c.rttTimedAt);
                c.rttTimedOffset = -1;
            }
            c.retries = 0;
            c.dupAcks = 0;
            c.persistBackoffs = 0;
            if (c.fastRecovery) {
                if (ackOffset >= c.recoveryPoint) {
                    c.fastRecovery = false;
                    c.cc.onExitRecovery(now);
                } else {
                    // Partial ACK (RFC 6582): the segment after it is lost too; without SACK, resend it at once.
                    c.lostHint = Math.max(c.lostHint, Math.min(ackOffset + c.mss, c.sndMax));
                    c.retransmitFirst |= !c.sackPermitted;
                }
            } else {
                if (c.lossRecovery && ackOffset >= c.recoveryPoint) {
                    c.lossRecovery = false;
                }
                c.cc.onAck(acked, inFlightBefore, c.rto.srttNanos(), now);
            }
            if (c.sndUna < c.sndMax) {
                wheel.schedule(timerId(c, TIMER_RETRANSMIT), now + c.rto.rtoNanos());
            } else {
                wheel.cancel(timerId(c, TIMER_RETRANSMIT));
            }
            if (!c.sendCompleteNotified && c.sndUna >= c.stream.end() && c.appAttached) {
                c.sendCompleteNotified = true;
                application.onSendComplete(c);
                if (c.state == TcpState.CLOSED) {
                    return false;
                }
            }
            requestOutput(c);
        } else if (una < c.sndMax && segmentLength == 0 && !windowChanged
            && (flags & (TcpHeader.FLAG_SYN | TcpHeader.FLAG_FIN)) == 0) {
            c.dupAcks++;
            counters.duplicateAcks++;
            requestOutput(c); // in recovery every duplicate ACK (and its SACK blocks) may let a segment out
        } else if (windowChanged) {
            requestOutput(c);
        }
        if (!c.fastRecovery && !c.lossRecovery && c.sndUna < c.sndMax
            && (c.dupAcks >= SackScoreboard.DUP_THRESH || (c.sackPermitted && c.scoreboard.isLost(c.sndUna, c.mss)))) {
            c.fastRecovery = true;
            c.recoveryPoint = c.sndMax;
            c.highRxt = c.sndUna;
            c.lostHint = Math.min(c.sndUna + c.mss, c.sndMax);
            c.retransmitFirst = true;
            c.rttTimedOffset = -1;
            counters.fastRecoveries++;
            c.cc.onEnterRecovery(c.sndMax - c.sndUna - c.scoreboard.sackedAbove(c.sndUna - 1), now);
            requestOutput(c);
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------
    // Output
    // ---------------------------------------------------------------------------------------

    /** Puts {@code c} on the output queue (once) for the next {@link #poll}. */
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

    private int drainPending(long now) {
        int frames = 0;
        int visits = pendingCount;
        while (visits-- > 0 && pendingCount > 0) {
            final TcpConnection c = connections[pending[pendingHead]];
            pendingHead = pendingHead + 1 == pending.length ? 0 : pendingHead + 1;
            pendingCount--;
            c.queuedForOutput = false;
            final int sent = transmit(c, now);
            if (sent < 0) {
                requestOutput(c); // TX ring full: retry next poll, keep the rest queued
                frames += -sent - 1;
                break;
            }
            frames += sent;
        }
        return frames;
    }

    /**
     * Sends what {@code c} may send now. Returns frames sent, or {@code −(frames + 1)} when the
     * TX ring filled up. Re-queues the connection when it used its visit budget.
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
            if (!sendAck(c, now)) {
                return -1;
            }
            frames++;
        }
        return frames;
    }

    /** Sends one frame (retransmission first, then new data or FIN). 1 sent, 0 nothing to send, −1 ring full. */
    private int sendOne(TcpConnection c, long now) {
        final long streamEnd = c.stream.end();
        final long dataEnd = c.finQueued ? c.finOffset + 1 : streamEnd;
        final long cwnd = c.cc.cwnd();
        final int maxFrame = writer.maxFramePayload(c.mss, config.maxFramePayload());
        long room;
        if (c.fastRecovery || c.lossRecovery) {
            final long boundary = Math.min(c.sndMax, c.lossRecovery ? c.recoveryPoint
                : Math.max(c.scoreboard.lostBoundary(c.sndUna, c.mss), c.lostHint));
            final long pipe = c.scoreboard.unsackedBytes(Math.max(boundary, c.sndUna), c.sndMax)
                + c.scoreboard.unsackedBytes(c.sndUna, Math.min(c.highRxt, boundary));
            if (c.retransmitFirst) {
                // RFC 6675 §5 (4.3) / RFC 6582: the first lost segment goes out whatever pipe says.
                final long end = Math.min(c.scoreboard.holeEnd(c.sndUna, c.sndMax), c.sndUna + c.mss);
                if (!inMemory(c, c.sndUna, end)) {
                    return 0; // regenerating it (a disk read); the source wakes us
                }
                c.retransmitFirst = false;
                if (!sendRange(c, c.sndUna, end, now)) {
                    c.retransmitFirst = true;
                    return -1;
                }
                c.highRxt = Math.max(c.highRxt, end);
                countRetransmission(c, end - c.sndUna, streamEnd, c.sndUna);
                return 1;
            }
            if (pipe >= cwnd) {
                return 0;
            }
            final long hole = c.scoreboard.nextHole(Math.max(c.highRxt, c.sndUna), boundary);
            if (hole != SackScoreboard.NONE) {
                final long end = c.scoreboard.holeEnd(hole, boundary);
                final long wanted = Math.min(end - hole, Math.min(maxFrame, Math.max(cwnd - pipe, c.mss)));
                final long length = readyEnd(c, hole, hole + wanted, hole + wanted) - hole;
                if (length < Math.min(wanted, c.mss)) {
                    counters.dataWaits++;
                    return 0; // regenerating the hole's bytes; the source wakes us
                }
                if (!sendRange(c, hole, hole + length, now)) {
                    return -1;
                }
                c.highRxt = hole + length;
                countRetransmission(c, length, streamEnd, hole);
                return 1;
            }
            room = cwnd - pipe;
        } else {
            room = cwnd - (c.sndMax - c.sndUna);
        }
        if (c.sndNxt >= dataEnd) {
            c.cwndLimited = false; // application-limited
            return 0;
        }
        final long windowRoom = c.sndUna + c.sndWnd - c.sndNxt;
        final long unsent = streamEnd - c.sndNxt;
        if (unsent > 0) {
            // Held back by the congestion window (not by data or the peer): lets the window grow.
            c.cwndLimited = room < Math.min(unsent, windowRoom) || room < c.mss;
            if (windowRoom <= 0) {
                armPersist(c, now);
                return 0;
            }
            final long sendable = Math.min(unsent, Math.min(room, windowRoom));
            long length = Math.min(sendable, maxFrame);
            if (length <= 0) {
                return 0;
            }
            final boolean inFlight = c.sndMax > c.sndUna;
            if (length < unsent && inFlight) {
                if (length < c.mss) {
                    return 0; // sender-side silly window avoidance: wait for ACKs to open a full segment
                }
                // TSO deferral (as Linux's tcp_tso_should_defer): while ACKs are on their way, wait
                // until a third of the window is free, so each ACK batch does not cut a small frame.
                if (!c.fastRecovery && !c.lossRecovery && length < maxFrame
                    && length < Math.min(cwnd, c.sndWnd) / TSO_WINDOW_DIVISOR) {
                    return 0;
                }
            }
            // Bytes still on a drive are read only for the window the ACKs have opened, in reads
            // worth the trip: at least the watermark, unless it is the tail or nothing is in flight.
            final boolean fetchNow = sendable >= (long) config.fetchWatermarkSegments() * c.mss || sendable == unsent || !inFlight;
            final long ready = readyEnd(c, c.sndNxt, c.sndNxt + length, fetchNow ? c.sndNxt + sendable : c.sndNxt);
            if (ready < c.sndNxt + length) {
                if (!fetchNow) {
                    counters.fetchesDeferred++;
                }
                if (ready - c.sndNxt < Math.min(length, c.mss)) {
                    counters.dataWaits++;
                    return 0; // the rest is on its way from the drive; its completion wakes us
                }
                // Whole segments only: the rest follows with the next read, without a runt in between.
                length = Math.max(Math.min(length, c.mss), (ready - c.sndNxt) / c.mss * c.mss);
            }
            final long end = c.sndNxt + length + (c.finQueued && c.sndNxt + length == streamEnd ? 1 : 0);
            return sendNew(c, end, length, now) ? 1 : -1;
        }
        // Only the FIN is left (it needs no window).
        return sendNew(c, dataEnd, 0, now) ? 1 : -1;
    }

    /**
     * End of the bytes of {@code [from, to)} that can be filled now, from {@code from}; asks the
     * stream's sources to bring in what is missing up to {@code fetchTo} (the read-ahead: the
     * whole window the ACKs have opened, not just this frame).
     */
    private long readyEnd(TcpConnection c, long from, long to, long fetchTo) {
        final long streamEnd = c.stream.end();
        final long dataTo = Math.min(to, streamEnd);
        if (from >= dataTo) {
            return to; // the FIN alone
        }
        final long ready = c.stream.readyEnd(from, dataTo);
        final long wanted = Math.min(Math.max(fetchTo, ready), streamEnd);
        if (ready < wanted) {
            c.stream.fetch(ready, wanted);
        }
        return ready == dataTo ? to : ready;
    }

    /** Whether all of {@code [from, to)} can be filled now; fetches it when not. */
    private boolean inMemory(TcpConnection c, long from, long to) {
        if (readyEnd(c, from, to, to) >= to) {
            return true;
        }
        counters.dataWaits++;
        return false;
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
        if (!sendRange(c, c.sndNxt, end, now)) {
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
        final int rtx = timerId(c, TIMER_RETRANSMIT);
        if (!wheel.isScheduled(rtx) || c.persistBackoffs > 0) {
            c.persistBackoffs = 0;
            wheel.schedule(rtx, now + c.rto.rtoNanos());
        }
        return true;
    }

    /** Sends stream range {@code [from, to)}; the FIN's virtual byte sets FIN. */
    private boolean sendRange(TcpConnection c, long from, long to, long now) {
        final long streamEnd = c.stream.end();
        final int payload = (int) (Math.min(to, streamEnd) - Math.min(from, streamEnd));
        final boolean fin = c.finQueued && to > c.finOffset;
        int flags = TcpHeader.FLAG_ACK;
        if (fin) {
            flags |= TcpHeader.FLAG_FIN;
        }
        if (payload > 0 && Math.min(to, streamEnd) == streamEnd) {
            flags |= TcpHeader.FLAG_PSH;
        }
        if (!writer.send(c.remoteMac, c.remoteAddress, c.localPort, c.remotePort, wireSeq(c, from), c.rcvNxt, flags,
            windowField(c), -1, -1, false, c.timestamps, clock(now), c.tsRecent, c.stream, from, payload, c.mss)) {
            return false;
        }
        ackSent(c);
        return true;
    }

    private boolean sendAck(TcpConnection c, long now) {
        if (!writer.send(c.remoteMac, c.remoteAddress, c.localPort, c.remotePort, wireSeq(c, c.sndNxt), c.rcvNxt,
            TcpHeader.FLAG_ACK, windowField(c), -1, -1, false, c.timestamps, clock(now), c.tsRecent, null, 0, 0, c.mss)) {
            return false;
        }
        ackSent(c);
        return true;
    }

    private void sendSynAck(TcpConnection c, long now) {
        writer.send(c.remoteMac, c.remoteAddress, c.localPort, c.remotePort, c.iss, c.rcvNxt,
            TcpHeader.FLAG_SYN | TcpHeader.FLAG_ACK, Math.min(UNSCALED_WINDOW_MAX, config.receiveWindow()), config.mss(),
            c.rcvWndScale > 0 || c.sndWndScale > 0 ? c.rcvWndScale : -1, c.sackPermitted, c.timestamps, clock(now), c.tsRecent,
            null, 0, 0, c.mss);
    }

    private void ackSent(TcpConnection c) {
        c.ackNow = false;
        c.ackPending = false;
        c.unackedSegments = 0;
        wheel.cancel(timerId(c, TIMER_DELAYED_ACK));
    }

    /** RST for a segment that has no connection (RFC 9293 §3.10.7.1). */
    private void sendResetFor(long mac, int address, int remotePort, int localPort, int seq, int ack, int flags, int payloadLength) {
        final boolean sent;
        if ((flags & TcpHeader.FLAG_ACK) != 0) {
            sent = writer.send(mac, address, localPort, remotePort, ack, 0, TcpHeader.FLAG_RST, 0,
                -1, -1, false, false, 0, 0, null, 0, 0, config.mss());
        } else {
            final int length = payloadLength + ((flags & TcpHeader.FLAG_SYN) != 0 ? 1 : 0) + ((flags & TcpHeader.FLAG_FIN) != 0 ? 1 : 0);
            sent = writer.send(mac, address, localPort, remotePort, 0, seq + length, TcpHeader.FLAG_RST | TcpHeader.FLAG_ACK, 0,
                -1, -1, false, false, 0, 0, null, 0, 0, config.mss());
        }
        if (sent) {
            counters.resetsSent++;
        }
    }

    private void armPersist(TcpConnection c, long now) {
        final int rtx = timerId(c, TIMER_RETRANSMIT);
        if (c.sndUna == c.sndMax && !wheel.isScheduled(rtx)) {
            wheel.schedule(rtx, now + persistInterval(c));
        }
    }

    private long persistInterval(TcpConnection c) {
        final long base = c.rto.rtoNanos();
        final int shift = Math.min(c.persistBackoffs, 20);
        return Math.min(config.maxRtoNanos(), base << shift);
    }

    // ---------------------------------------------------------------------------------------
    // Timers
    // ---------------------------------------------------------------------------------------

    @Override
    public void onTimer(int timerId, long now) {
        final TcpConnection c = connections[timerId / TIMER_KINDS];
        switch (timerId % TIMER_KINDS) {
            case TIMER_RETRANSMIT -> retransmitTimeout(c, now);
            case TIMER_DELAYED_ACK -> {
                if (c.ackPending) {
                    counters.delayedAcks++;
                    c.ackNow = true;
                    requestOutput(c);
                }
            }
            default -> lifetimeTimeout(c, now);
        }
    }

    private void retransmitTimeout(TcpConnection c, long now) {
        if (c.state == TcpState.SYN_RECEIVED) {
            if (++c.synAckRetries > config.maxSynAckRetransmissions()) {
                release(c);
                return;
            }
            c.rto.backOff();
            sendSynAck(c, now);
            wheel.schedule(timerId(c, TIMER_RETRANSMIT), now + c.rto.rtoNanos());
            return;
        }
        if (c.state == TcpState.CLOSED || c.state == TcpState.TIME_WAIT) {
            return;
        }
        if (c.sndUna == c.sndMax) {
            if (c.sndNxt < c.stream.end() && c.sndUna + c.sndWnd <= c.sndNxt) {
                // Zero window: probe with an already-acknowledged sequence number so the peer answers with its window.
                counters.persistProbes++;
                writer.send(c.remoteMac, c.remoteAddress, c.localPort, c.remotePort, wireSeq(c, c.sndUna) - 1, c.rcvNxt,
                    TcpHeader.FLAG_ACK, windowField(c), -1, -1, false, c.timestamps, clock(now), c.tsRecent, null, 0, 0, c.mss);
                c.persistBackoffs++;
                wheel.schedule(timerId(c, TIMER_RETRANSMIT), now + persistInterval(c));
            }
            return;
        }
        if (++c.retries > config.maxRetransmissions()) {
            counters.retransmitTimeouts++;
            abort(c, true);
            return;
        }
        counters.rtoEvents++;
        c.cc.onRetransmitTimeout(c.sndMax - c.sndUna, now);
        c.rto.backOff();
        c.fastRecovery = false;
        c.lossRecovery = true;
        c.recoveryPoint = c.sndMax;
        c.highRxt = c.sndUna;
        c.lostHint = c.sndMax;
        c.dupAcks = 0;
        c.rttTimedOffset = -1;
        wheel.schedule(timerId(c, TIMER_RETRANSMIT), now + c.rto.rtoNanos());
        requestOutput(c);
    }

    private void lifetimeTimeout(TcpConnection c, long now) {
        if (c.state == TcpState.TIME_WAIT) {
            counters.timeWaitExpired++;
            release(c);
            return;
        }
        if (c.state == TcpState.CLOSED) {
            return;
        }
        final long idleUntil = c.lastReceivedNanos + config.idleTimeoutNanos();
        if (now - idleUntil >= 0) {
            counters.idleTimeouts++;
            abort(c, true);
        } else {
            wheel.schedule(timerId(c, TIMER_LIFETIME), idleUntil);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Connection life cycle
    // ---------------------------------------------------------------------------------------

    private TcpConnection allocate(long key, long mac, int address, int remotePort, int localPort, long now) {
        final TcpConnection c = connections[freeIds[--freeCount]];
        table.put(key, c.id);
        c.key = key;
        c.remoteMac = arpTableOr(address, mac);
        c.remoteAddress = address;
        c.remotePort = remotePort;
        c.localPort = localPort;
        c.lastReceivedNanos = now;
        c.cookie = false;
        c.appAttached = false;
        c.sndUna = 0;
        c.sndNxt = 0;
        c.sndMax = 0;
        c.sndWnd = 0;
        c.finQueued = false;
        c.finOffset = 0;
        c.sendCompleteNotified = true;
        c.unackedSegments = 0;
        c.ackNow = false;
        c.ackPending = false;
        c.peerFinReceived = false;
        c.resetByPeer = false;
        c.receiveLimit = Integer.MAX_VALUE;
        c.fastRecovery = false;
        c.lossRecovery = false;
        c.recoveryPoint = 0;
        c.highRxt = 0;
        c.lostHint = 0;
        c.dupAcks = 0;
        c.retries = 0;
        c.persistBackoffs = 0;
        c.rttTimedOffset = -1;
        c.synAckRetries = 0;
        c.retransmitFirst = false;
        c.cwndLimited = false;
        c.tsRecent = 0;
        c.stream.reset();
        c.scoreboard.reset();
        c.rto.reset();
        return c;
    }

    /** The frame's source MAC is the next hop we answer to; the ARP table only fills a gap. */
    private long arpTableOr(int address, long mac) {
        if (mac != 0) {
            return mac;
        }
        final long learned = arpTable.lookup(address);
        if (learned == ArpTable.MISSING) {
            counters.arpMisses++;
            return 0;
        }
        return learned;
    }

    /**
     * Resets every connection (the server is stopping): each peer learns at once instead of
     * timing out. Returns how many were reset.
     */
    public int resetAll() {
        int reset = 0;
        for (TcpConnection c : connections) {
            if (c.state != TcpState.CLOSED) {
                abort(c, true);
                reset++;
            }
        }
        return reset;
    }

    void abort(TcpConnection c, boolean sendReset) {
        if (sendReset && c.state != TcpState.TIME_WAIT && c.state != TcpState.CLOSED) {
            if (writer.send(c.remoteMac, c.remoteAddress, c.localPort, c.remotePort, wireSeq(c, c.sndNxt), c.rcvNxt,
                TcpHeader.FLAG_RST | TcpHeader.FLAG_ACK, 0, -1, -1, false, false, 0, 0, null, 0, 0, c.mss)) {
                counters.resetsSent++;
            }
        }
        release(c);
    }

    private void enterTimeWait(TcpConnection c, long now) {
        c.state = TcpState.TIME_WAIT;
        wheel.cancel(timerId(c, TIMER_RETRANSMIT));
        wheel.cancel(timerId(c, TIMER_DELAYED_ACK));
        wheel.schedule(timerId(c, TIMER_LIFETIME), now + config.timeWaitNanos());
        detach(c);
    }

    private void detach(TcpConnection c) {
        if (c.appAttached) {
            c.appAttached = false;
            counters.connectionsOpen--;
            application.onClose(c);
            c.clearAttachments();
        }
    }

    private void release(TcpConnection c) {
        if (c.state == TcpState.CLOSED) {
            return;
        }
        if (c.state == TcpState.SYN_RECEIVED) {
            synQueued--;
        }
        c.state = TcpState.CLOSED;
        for (int k = 0; k < TIMER_KINDS; k++) {
            wheel.cancel(c.id * TIMER_KINDS + k);
        }
        table.remove(c.key);
        detach(c);
        c.stream.reset();
        c.scoreboard.reset();
        freeIds[freeCount++] = c.id;
    }

    // ---------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------

    private void startClock(long now) {
        if (!clockStarted) {
            clockStarted = true;
            wheel.start(now);
        }
    }

    private static int timerId(TcpConnection c, int kind) {
        return c.id * TIMER_KINDS + kind;
    }

    /** Wire sequence number of stream offset {@code offset} (offset 0 follows the SYN). */
    static int wireSeq(TcpConnection c, long offset) {
        return c.iss + 1 + (int) offset;
    }

    /**
     * The window segments are checked against: the configured one, not the application's cap, so
     * an ACK riding on bytes the application cannot take yet is still processed (the bytes are
     * then refused by {@link TcpApplication#onData} and sent again).
     */
    private long acceptanceWindow(TcpConnection c) {
        return (long) Math.min(UNSCALED_WINDOW_MAX, config.receiveWindow() >> c.rcvWndScale) << c.rcvWndScale;
    }

    private int windowField(TcpConnection c) {
        // Scaled units round down, and a unit less: the right edge may then move back by under a
        // unit, but bytes sent up to any edge advertised still fit the application's limit.
        final long unitSlack = (1L << c.rcvWndScale) - 1;
        final long window = Math.min(config.receiveWindow(), Math.max(0, c.receiveLimit - unitSlack));
        return (int) Math.min(UNSCALED_WINDOW_MAX, window >> c.rcvWndScale);
    }

    /** The timestamp clock: milliseconds, offset per stack (RFC 7323 §5.4). */
    private int clock(long now) {
        return (int) (now / NANOS_PER_MILLI) + tsOffset;
    }
}
