package dev.atlas.server.tcp;

import dev.atlas.server.proto.EthernetHeader;
import dev.atlas.server.proto.Ipv4Header;
import dev.atlas.server.proto.TcpHeader;
import dev.atlas.server.proto.TcpOptions;
import dev.atlas.server.ring.PacketRing;
import dev.atlas.server.ring.RxSlot;
import dev.atlas.server.ring.TxSlot;
import dev.atlas.server.ring.Wire;
import java.lang.foreign.MemorySegment;

/**
 * A minimal allocation-free TCP client for tests: connects, then checks every byte it receives
 * against {@link PatternSource} (in order or not), ACKs every segment with up to three SACK
 * blocks for what it holds above the cumulative point. It keeps no bytes, only ranges.
 */
final class BulkReceiver {
    private static final int MAX_RANGES = 64;
    private static final int SACK_BLOCKS = 3;
    private static final int WINDOW_SCALE = 7;
    private int windowField = 0xFFFF;

    private final PacketRing ring;
    private final int port;
    private final long token;
    private final RxSlot rx = new RxSlot();
    private final TxSlot tx = new TxSlot();
    private final TcpOptions options = new TcpOptions();
    private final long[] rangeStart = new long[MAX_RANGES];
    private final long[] rangeEnd = new long[MAX_RANGES];
    private final int[] sackLeft = new int[SACK_BLOCKS];
    private final int[] sackRight = new int[SACK_BLOCKS];
    private int ranges;
    private final int isn = 0x7000_0000;
    private int irs;
    private boolean established;
    private static final long NEVER = Long.MIN_VALUE;
    private static final long SYN_RETRY_NANOS = 1_000_000_000L;
    private long synSentAt = NEVER;
    private long received;
    private int tsRecent;
    private boolean paused;
    long corruptBytes;
    long segments;
    long resets;
    boolean finReceived;
    /**
     * Where the bytes received go, by stream offset, instead of being checked against the pattern
     * (a stream of TLS records, checked once decrypted); null to check as it arrives.
     */
    byte[] collected;
    /** Sees every frame on the endpoint that is not this receiver's (the stack's answers to other peers). */
    FrameObserver others = frame -> {};

    /** A frame the receiver skipped. */
    interface FrameObserver {
        void onFrame(MemorySegment frame);
    }

    BulkReceiver(PacketRing ring, int port, long token) {
        this.ring = ring;
        this.port = port;
        this.token = token;
    }

    /** Stream bytes received in order so far. */
    long received() {
        return received;
    }

    boolean established() {
        return established;
    }

    /** While paused, the receiver advertises a zero window and drops data. */
    /** The window field this receiver advertises (scaled by 2^7): 0xFFFF (8 MiB) unless set smaller. */
    void windowField(int value) {
        windowField = value;
    }

    void paused(boolean value) {
        paused = value;
    }

    void connect(long now) {
        synSentAt = now;
        send(isn, 0, TcpHeader.FLAG_SYN, 0xFFFF, true, now);
    }

    /** Like a real client: a SYN (or its SYN-ACK) lost on a lossy wire is sent again after a second. */
    private void retrySyn(long now) {
        if (!established && synSentAt != NEVER && now - synSentAt >= SYN_RETRY_NANOS) {
            connect(now);
        }
    }

    /** Several receivers on one wire endpoint: each frame goes to every one, and each keeps those for its port. */
    static int pollAll(long now, BulkReceiver first, BulkReceiver... others) {
        first.retrySyn(now);
        for (BulkReceiver other : others) {
            other.retrySyn(now);
        }
        int n = 0;
        first.ring.rxSync();
        while (first.ring.rxNext(first.rx)) {
            n++;
            first.onFrame(first.rx.frame(), now);
            for (BulkReceiver other : others) {
                other.onFrame(first.rx.frame(), now);
            }
        }
        first.ring.rxRelease();
        return n;
    }

    /** Handles the frames on our wire endpoint; those for other ports or addresses are dropped. */
    int poll(long now) {
        retrySyn(now);
        int n = 0;
        ring.rxSync();
        while (ring.rxNext(rx)) {
            n++;
            onFrame(rx.frame(), now);
        }
        ring.rxRelease();
        return n;
    }

    private void onFrame(MemorySegment f, long now) {
        if (EthernetHeader.etherType(f, 0) != EthernetHeader.ETHER_TYPE_IPV4) {
            others.onFrame(f);
            return;
        }
        final int ip = EthernetHeader.LENGTH;
        final int tcp = ip + Ipv4Header.headerLength(f, ip);
        // The wire carries the stack's answers to every peer (fuzzed and spoofed ones too): ours
        // are those of our connection, to our address and port from the server's port (a reset
        // from another of the stack's ports, to a fuzzed segment that borrowed our port, is not ours).
        if (Ipv4Header.destination(f, ip) != StackLoop.PEER_ADDRESS
                || TcpHeader.destinationPort(f, tcp) != port
                || TcpHeader.sourcePort(f, tcp) != StackLoop.PORT) {
            others.onFrame(f);
            return;
        }
        final int end = ip + Ipv4Header.totalLength(f, ip);
        final int payload = tcp + TcpHeader.headerLength(f, tcp);
        final int length = end - payload;
        final int flags = TcpHeader.flags(f, tcp);
        final int seq = TcpHeader.sequence(f, tcp);
        options.parse(f, tcp);
        if (options.timestampPresent()) {
            tsRecent = options.timestampValue();
        }
        segments++;
        if ((flags & TcpHeader.FLAG_RST) != 0) {
            resets++;
            return;
        }
        if ((flags & TcpHeader.FLAG_SYN) != 0) {
            irs = seq;
            established = true;
            ack(now);
            return;
        }
        final long offset = received + (seq - (irs + 1 + (int) received));
        if (length > 0 && !paused) {
            for (int i = 0; i < length; i++) {
                final long at = offset + i;
                if (collected != null) {
                    if (at >= 0 && at < collected.length) {
                        collected[(int) at] = (byte) Wire.u8(f, payload + i);
                    }
                } else if (at >= 0 && Wire.u8(f, payload + i) != (PatternSource.byteAt(token, at) & 0xFF)) {
                    corruptBytes++;
                }
            }
            addRange(Math.max(offset, received), offset + length);
        }
        if ((flags & TcpHeader.FLAG_FIN) != 0 && offset + length == received && !finReceived) {
            finReceived = true;
        }
        ack(now);
    }

    private void addRange(long start, long end) {
        if (end <= start) {
            return;
        }
        if (start <= received) {
            received = Math.max(received, end);
        } else {
            int i = 0;
            while (i < ranges && rangeEnd[i] < start) {
                i++;
            }
            if (i < ranges && rangeStart[i] <= end) {
                rangeStart[i] = Math.min(rangeStart[i], start);
                rangeEnd[i] = Math.max(rangeEnd[i], end);
                while (i + 1 < ranges && rangeStart[i + 1] <= rangeEnd[i]) {
                    rangeEnd[i] = Math.max(rangeEnd[i], rangeEnd[i + 1]);
                    System.arraycopy(rangeStart, i + 2, rangeStart, i + 1, ranges - i - 2);
                    System.arraycopy(rangeEnd, i + 2, rangeEnd, i + 1, ranges - i - 2);
                    ranges--;
                }
            } else if (ranges < MAX_RANGES) {
                System.arraycopy(rangeStart, i, rangeStart, i + 1, ranges - i);
                System.arraycopy(rangeEnd, i, rangeEnd, i + 1, ranges - i);
                rangeStart[i] = start;
                rangeEnd[i] = end;
                ranges++;
            }
        }
        while (ranges > 0 && rangeStart[0] <= received) {
            received = Math.max(received, rangeEnd[0]);
            System.arraycopy(rangeStart, 1, rangeStart, 0, ranges - 1);
            System.arraycopy(rangeEnd, 1, rangeEnd, 0, ranges - 1);
            ranges--;
        }
    }

    private void ack(long now) {
        final int ackSeq = irs + 1 + (int) received + (finReceived ? 1 : 0);
        send(isn + 1, ackSeq, TcpHeader.FLAG_ACK, paused ? 0 : windowField, false, now);
    }

    private void send(int seq, int ack, int flags, int window, boolean syn, long now) {
        if (!ring.txClaim(tx)) {
            return;
        }
        final MemorySegment f = tx.frame();
        final int ip = EthernetHeader.LENGTH;
        final int tcp = ip + Ipv4Header.MIN_LENGTH;
        long at = tcp + TcpHeader.MIN_LENGTH;
        if (syn) {
            at += TcpOptions.putMss(f, at, 1460);
            at += TcpOptions.putNopNopSackPermitted(f, at);
            at += TcpOptions.putNopWindowScale(f, at, WINDOW_SCALE);
        }
        at += TcpOptions.putNopNopTimestamp(f, at, (int) (now / 1_000_000L), tsRecent);
        final int blocks = Math.min(ranges, SACK_BLOCKS);
        if (!syn && blocks > 0) {
            for (int b = 0; b < blocks; b++) {
                sackLeft[b] = irs + 1 + (int) rangeStart[b];
                sackRight[b] = irs + 1 + (int) rangeEnd[b];
            }
            at += TcpOptions.putNopNopSack(f, at, sackLeft, sackRight, blocks);
        }
        final int headerLength = (int) (at - tcp);
        TcpHeader.write(f, tcp, port, StackLoop.PORT, seq, ack, headerLength, flags, window);
        Ipv4Header.write(
                f,
                ip,
                Ipv4Header.MIN_LENGTH + headerLength,
                0,
                Ipv4Header.PROTOCOL_TCP,
                StackLoop.PEER_ADDRESS,
                StackLoop.STACK.ipv4());
        TcpHeader.checksum(
                f,
                tcp,
                TcpHeader.computeChecksum(f, tcp, headerLength, StackLoop.PEER_ADDRESS, StackLoop.STACK.ipv4()));
        EthernetHeader.write(f, 0, StackLoop.STACK.mac(), StackLoop.PEER_MAC, EthernetHeader.ETHER_TYPE_IPV4);
        tx.length(tcp + headerLength);
        ring.txCommit(tx);
        ring.txSync();
        ring.txReap();
    }
}
