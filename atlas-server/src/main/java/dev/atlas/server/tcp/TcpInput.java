package dev.atlas.server.tcp;

import dev.atlas.server.proto.EthernetHeader;
import dev.atlas.server.proto.InterfaceAddress;
import dev.atlas.server.proto.Ipv4Header;
import dev.atlas.server.proto.TcpHeader;
import dev.atlas.server.proto.TcpOptions;
import dev.atlas.server.proto.TcpSegmentHandler;
import java.lang.foreign.MemorySegment;

/**
 * The receive step of a lane's TCP engine: segment arrival (RFC 9293 §3.10.7) against the
 * connection table, the RFC 5961 RST/SYN checks, ACK processing (window, SACK blocks, RTT,
 * congestion control, duplicate ACKs and entry into fast recovery), and in-order request bytes
 * to the application. It sends nothing itself but ACKs that must go at once and resets; what a
 * connection may send next is the output step's to decide, so arrivals only queue it.
 *
 * <p>Received bytes are handed to the application in order at once; it says how many it took
 * and only those are acknowledged. The advertised window is the configured one, capped by what
 * the application says it can still hold ({@link TcpConnection#receiveLimit}), so a client
 * pipelining far ahead is held back by its window instead of being refused. Out-of-order
 * segments are dropped (not SACKed: we hold none of their bytes) and answered with a duplicate
 * ACK, which is enough for the small requests a CDN receives.
 */
final class TcpInput implements TcpSegmentHandler {
    private final InterfaceAddress local;
    private final TcpConfig config;
    private final TcpCounters counters;
    private final TcpConnections connections;
    private final TcpOptions options;
    private final TcpTimers timers;
    private final TcpHandshake handshake;
    private final TcpOutput output;
    private final SegmentSender sender;
    private final TcpStack stack;
    private final TcpApplication application;

    TcpInput(
            InterfaceAddress local,
            TcpConfig config,
            TcpCounters counters,
            TcpConnections connections,
            TcpOptions options,
            TcpTimers timers,
            TcpHandshake handshake,
            TcpOutput output,
            SegmentSender sender,
            TcpStack stack,
            TcpApplication application) {
        this.local = local;
        this.config = config;
        this.counters = counters;
        this.connections = connections;
        this.options = options;
        this.timers = timers;
        this.handshake = handshake;
        this.output = output;
        this.sender = sender;
        this.stack = stack;
        this.application = application;
    }

    @Override
    public void onTcpSegment(MemorySegment frame, int ipOffset, int tcpOffset, int segmentEnd, long nowNanos) {
        counters.segmentsIn++;
        timers.start(nowNanos);
        final int headerLength = TcpHeader.headerLength(frame, tcpOffset);
        if (headerLength < TcpHeader.MIN_LENGTH
                || tcpOffset + headerLength > segmentEnd
                || ipOffset < EthernetHeader.LENGTH
                || !options.parse(frame, tcpOffset)) {
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

        final TcpConnection c = connections.find(key);
        if (c != null) {
            if (c.state == TcpState.TIME_WAIT
                    && (flags & (TcpHeader.FLAG_SYN | TcpHeader.FLAG_ACK)) == TcpHeader.FLAG_SYN
                    && seq - c.rcvNxt > 0) {
                // RFC 6191-style reuse: a new SYN above the old connection's sequence space.
                stack.release(c);
            } else {
                c.lastReceivedNanos = nowNanos;
                if (c.state == TcpState.SYN_RECEIVED) {
                    handshake.synReceived(c, frame, seq, ack, flags, window, payloadOffset, payloadLength, nowNanos);
                } else {
                    synchronizedArrival(c, frame, seq, ack, flags, window, payloadOffset, payloadLength, nowNanos);
                }
                return;
            }
        }
        noConnection(
                frame,
                key,
                sourceMac,
                source,
                sourcePort,
                destinationPort,
                seq,
                ack,
                flags,
                window,
                payloadOffset,
                payloadLength,
                nowNanos);
    }

    private void noConnection(
            MemorySegment frame,
            long key,
            long sourceMac,
            int source,
            int sourcePort,
            int localPort,
            int seq,
            int ack,
            int flags,
            int window,
            int payloadOffset,
            int payloadLength,
            long now) {
        if ((flags & TcpHeader.FLAG_RST) != 0) {
            return;
        }
        if (!connections.isListening(localPort)) {
            counters.connectionsRefused++;
            sender.sendResetFor(sourceMac, source, sourcePort, localPort, seq, ack, flags, payloadLength);
            return;
        }
        final int synAck = flags & (TcpHeader.FLAG_SYN | TcpHeader.FLAG_ACK);
        if (synAck == TcpHeader.FLAG_SYN) {
            handshake.onSyn(key, sourceMac, source, sourcePort, localPort, seq, window, now);
            return;
        }
        if (synAck == TcpHeader.FLAG_ACK && config.synCookies()) {
            final TcpConnection c =
                    handshake.fromCookie(key, sourceMac, source, sourcePort, localPort, seq, ack, window, now);
            if (c != null) {
                if (c.state != TcpState.CLOSED) {
                    synchronizedArrival(c, frame, seq, ack, flags, window, payloadOffset, payloadLength, now);
                }
                return;
            }
        }
        if ((flags & TcpHeader.FLAG_ACK) != 0) {
            sender.sendResetFor(sourceMac, source, sourcePort, localPort, seq, ack, flags, payloadLength);
        }
    }

    /** Segment arrival in ESTABLISHED and later states (RFC 9293 §3.10.7.4). */
    void synchronizedArrival(
            TcpConnection c,
            MemorySegment frame,
            int seq,
            int ack,
            int flags,
            int window,
            int payloadOffset,
            int payloadLength,
            long now) {
        final boolean fin = (flags & TcpHeader.FLAG_FIN) != 0;
        final int segmentLength = payloadLength + (fin ? 1 : 0);
        final long receiveWindow = sender.acceptanceWindow(c);
        final int delta = seq - c.rcvNxt;
        final boolean acceptable = segmentLength == 0
                ? delta == 0 || (delta > 0 && delta < receiveWindow)
                : (delta >= 0 && delta < receiveWindow) || (delta < 0 && delta + segmentLength > 0);
        if (!acceptable) {
            if ((flags & TcpHeader.FLAG_RST) == 0) {
                sender.sendAck(c, now);
            }
            return;
        }
        if ((flags & TcpHeader.FLAG_RST) != 0) {
            if (delta == 0) {
                counters.resetsReceived++;
                c.resetByPeer = true;
                stack.release(c);
            } else {
                counters.challengeAcks++; // RFC 5961 §3.2: in window but not exact
                sender.sendAck(c, now);
            }
            return;
        }
        if ((flags & TcpHeader.FLAG_SYN) != 0) {
            counters.challengeAcks++; // RFC 5961 §4.2
            sender.sendAck(c, now);
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
                stack.enterTimeWait(c, now);
                return;
            } else if (c.state == TcpState.LAST_ACK) {
                stack.release(c);
                return;
            }
        }
        if (c.state == TcpState.TIME_WAIT) {
            if (fin) {
                sender.sendAck(c, now);
                timers.schedule(c, TcpTimers.LIFETIME, now + config.timeWaitNanos());
            }
            return;
        }
        if (payloadLength > 0 && TcpState.canReceive(c.state)) {
            if (delta <= 0) {
                final int skip = -delta;
                final int fresh = payloadLength - skip;
                if (fresh > 0) {
                    final int taken = application.onData(c, frame, payloadOffset + skip, fresh);
                    if (!TcpState.canReceive(c.state)
                            && c.state != TcpState.CLOSE_WAIT
                            && c.state != TcpState.LAST_ACK) {
                        return; // the application aborted
                    }
                    // Only what the application took is acknowledged; the peer sends the rest again.
                    c.rcvNxt += taken;
                    counters.bytesIn += taken;
                    c.unackedSegments++;
                    c.ackPending = true;
                    if (skip > 0 || c.unackedSegments >= 2 || taken < fresh) {
                        c.ackNow = true;
                    } else {
                        timers.delayAck(c, now);
                    }
                } else {
                    c.ackNow = true; // a pure duplicate: tell the peer where we are
                }
            } else {
                counters.outOfOrderSegments++;
                c.ackNow = true;
                output.requestOutput(c);
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
                sender.sendAck(c, now);
                stack.enterTimeWait(c, now);
                return;
            }
        }
        if (c.ackNow || c.ackPending) {
            output.requestOutput(c);
        }
    }

    /**
     * ACK processing: window update, SACK blocks, cumulative ACK, RTT, congestion control,
     * duplicate ACKs and entry into fast recovery. Returns {@code false} when the segment must
     * be dropped (it acknowledged data never sent, or the connection went away).
     */
    private boolean processAck(TcpConnection c, int seq, int ack, int window, int segmentLength, int flags, long now) {
        final long una = c.sndUna;
        final int unaSeq = c.wireSeq(una);
        final int d = ack - unaSeq;
        final long ackOffset = una + d;
        if (d < 0) {
            return true; // an old ACK: nothing to learn (its window is stale)
        }
        if (ackOffset > c.sndMax) {
            sender.sendAck(c, now); // acknowledges data we never sent
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
            if (!acknowledged(c, ackOffset, inFlightBefore, now)) {
                return false;
            }
        } else if (una < c.sndMax
                && segmentLength == 0
                && !windowChanged
                && (flags & (TcpHeader.FLAG_SYN | TcpHeader.FLAG_FIN)) == 0) {
            c.dupAcks++;
            counters.duplicateAcks++;
            output.requestOutput(c); // in recovery every duplicate ACK (and its SACK blocks) may let a segment out
        } else if (windowChanged) {
            output.requestOutput(c);
        }
        if (!c.fastRecovery
                && !c.lossRecovery
                && c.sndUna < c.sndMax
                && (c.dupAcks >= SackScoreboard.DUP_THRESH
                        || (c.sackPermitted && c.scoreboard.isLost(c.sndUna, c.mss)))) {
            counters.fastRecoveries++;
            c.enterFastRecovery(now);
            output.requestOutput(c);
        }
        return true;
    }

    /** The cumulative ACK moved to {@code ackOffset}: releases the bytes, samples the RTT, grows the window. */
    private boolean acknowledged(TcpConnection c, long ackOffset, long inFlightBefore, long now) {
        final long acked = ackOffset - c.sndUna;
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
            timers.restartRetransmit(c, now);
        } else {
            timers.cancel(c, TcpTimers.RETRANSMIT);
        }
        if (!c.sendCompleteNotified && c.sndUna >= c.stream.end() && c.appAttached) {
            c.sendCompleteNotified = true;
            application.onSendComplete(c);
            if (c.state == TcpState.CLOSED) {
                return false;
            }
        }
        output.requestOutput(c);
        return true;
    }
}
