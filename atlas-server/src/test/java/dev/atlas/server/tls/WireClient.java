package dev.atlas.server.tls;

import dev.atlas.server.memory.MemoryRing;
import dev.atlas.server.proto.EthernetHeader;
import dev.atlas.server.proto.InterfaceAddress;
import dev.atlas.server.proto.Ipv4Header;
import dev.atlas.server.proto.TcpHeader;
import dev.atlas.server.proto.TcpOptions;
import dev.atlas.server.ring.TxSlot;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A small TCP client on one end of a memory wire, for the TLS tests: it connects to the stack on
 * the other end, sends what it is given in segments of a chosen size (go-back-N after a quiet
 * spell, for the rare segment the stack refuses), and takes the stack's bytes in order only
 * (anything out of order is dropped and acknowledged again). Several clients share one wire
 * end: {@link #onFrame} tells whether a frame was this client's. Test code: it allocates freely.
 */
final class WireClient {
    static final InterfaceAddress SERVER = InterfaceAddress.parse("02:00:00:00:00:01", "198.18.0.1/24");
    static final long CLIENT_MAC = 0x02_00_00_00_00_02L;
    static final int CLIENT_ADDRESS = (198 << 24) | (18 << 16) | 2;

    private static final int WINDOW_SCALE = 7;
    private static final int MAX_IN_FLIGHT = 32 * 1024;
    private static final long RETRY_NANOS = 300_000_000L;
    private static final int MAX_SEGMENT = 1460;

    private final MemoryRing ring;
    private final int port;
    private final int serverPort;
    private final int isn;
    private final TxSlot tx = new TxSlot();
    private int segmentSize = MAX_SEGMENT;

    private byte[] sendBuffer = new byte[4096];
    /** Stream offset of {@code sendBuffer[0]}. */
    private long sendBase;

    private long sendEnd;
    private long sendNext;
    /** The furthest byte sent so far (a go-back-N restart moves {@link #sendNext} back, not this). */
    private long sendMax;

    private long sendUnacknowledged;
    private long lastProgressNanos;
    private long synSentAt = Long.MIN_VALUE;

    private int irs;
    private long received;
    private final ByteArrayOutputStream incoming = new ByteArrayOutputStream();

    boolean established;
    boolean finReceived;
    boolean resetReceived;

    WireClient(MemoryRing ring, int port, int serverPort) {
        this.ring = ring;
        this.port = port;
        this.serverPort = serverPort;
        this.isn = 0x1000_0000 + port * 7919;
    }

    /** Bytes per data segment from now on (1 to 1460): small sizes cut records across segments. */
    void segmentSize(int bytes) {
        segmentSize = Math.max(1, Math.min(MAX_SEGMENT, bytes));
    }

    void connect(long now) {
        synSentAt = now;
        lastProgressNanos = now;
        segment(isn, 0, TcpHeader.FLAG_SYN, null, 0, 0, true);
    }

    /** Queues bytes to send (they go out from {@link #output}). */
    void write(byte[] bytes, int offset, int length) {
        final int used = (int) (sendEnd - sendBase);
        if (used + length > sendBuffer.length) {
            sendBuffer = Arrays.copyOf(sendBuffer, Math.max(sendBuffer.length * 2, used + length));
        }
        System.arraycopy(bytes, offset, sendBuffer, used, length);
        sendEnd += length;
    }

    void write(byte[] bytes) {
        write(bytes, 0, bytes.length);
    }

    /** The bytes that arrived in order since the last call. */
    byte[] takeReceived() {
        final byte[] bytes = incoming.toByteArray();
        incoming.reset();
        return bytes;
    }

    long receivedBytes() {
        return received;
    }

    /** Takes the frame if it belongs to this client's connection; returns whether it did. */
    boolean onFrame(MemorySegment f, long now) {
        if (EthernetHeader.etherType(f, 0) != EthernetHeader.ETHER_TYPE_IPV4) {
            return false;
        }
        final int ip = EthernetHeader.LENGTH;
        if (Ipv4Header.protocol(f, ip) != Ipv4Header.PROTOCOL_TCP || Ipv4Header.destination(f, ip) != CLIENT_ADDRESS) {
            return false;
        }
        final int tcp = ip + Ipv4Header.headerLength(f, ip);
        if (TcpHeader.destinationPort(f, tcp) != port || TcpHeader.sourcePort(f, tcp) != serverPort) {
            return false;
        }
        final int end = ip + Ipv4Header.totalLength(f, ip);
        final int payload = tcp + TcpHeader.headerLength(f, tcp);
        final int length = end - payload;
        final int flags = TcpHeader.flags(f, tcp);
        final int seq = TcpHeader.sequence(f, tcp);
        if ((flags & TcpHeader.FLAG_RST) != 0) {
            resetReceived = true;
            return true;
        }
        if ((flags & TcpHeader.FLAG_SYN) != 0) {
            if ((flags & TcpHeader.FLAG_ACK) != 0 && !established) {
                irs = seq;
                established = true;
                lastProgressNanos = now;
            }
            acknowledge();
            return true;
        }
        if (!established) {
            return true;
        }
        if ((flags & TcpHeader.FLAG_ACK) != 0) {
            final long acked =
                    sendUnacknowledged + (TcpHeader.acknowledgment(f, tcp) - (isn + 1 + (int) sendUnacknowledged));
            if (acked > sendUnacknowledged && acked <= sendMax) {
                sendUnacknowledged = acked;
                sendNext = Math.max(sendNext, acked);
                lastProgressNanos = now;
                compact();
            }
        }
        final long offset = received + (seq - (irs + 1 + (int) received));
        boolean inOrder = offset == received;
        if (length > 0 && inOrder) {
            final byte[] bytes = new byte[length];
            MemorySegment.copy(f, ValueLayout.JAVA_BYTE, payload, bytes, 0, length);
            incoming.write(bytes, 0, length);
            received += length;
        }
        if ((flags & TcpHeader.FLAG_FIN) != 0 && inOrder && !finReceived) {
            finReceived = true;
        }
        if (length > 0 || (flags & TcpHeader.FLAG_FIN) != 0) {
            acknowledge();
        }
        return true;
    }

    /** Sends what the window allows; after a quiet spell with bytes unacknowledged, sends them again. */
    int output(long now) {
        if (!established) {
            if (synSentAt != Long.MIN_VALUE && now - synSentAt >= 1_000_000_000L) {
                connect(now);
            }
            return 0;
        }
        if (resetReceived) {
            return 0;
        }
        if (sendNext > sendUnacknowledged && now - lastProgressNanos >= RETRY_NANOS) {
            sendNext = sendUnacknowledged;
            lastProgressNanos = now;
        }
        int sent = 0;
        while (sendNext < sendEnd && sendNext - sendUnacknowledged < MAX_IN_FLIGHT) {
            final int n = (int) Math.min(segmentSize, sendEnd - sendNext);
            if (!segment(
                    isn + 1 + (int) sendNext,
                    ackNumber(),
                    TcpHeader.FLAG_ACK | TcpHeader.FLAG_PSH,
                    sendBuffer,
                    (int) (sendNext - sendBase),
                    n,
                    false)) {
                break;
            }
            sendNext += n;
            sendMax = Math.max(sendMax, sendNext);
            sent++;
        }
        return sent;
    }

    private void compact() {
        final int drop = (int) (sendUnacknowledged - sendBase);
        if (drop > 0) {
            System.arraycopy(sendBuffer, drop, sendBuffer, 0, (int) (sendEnd - sendUnacknowledged));
            sendBase = sendUnacknowledged;
        }
    }

    private int ackNumber() {
        return irs + 1 + (int) received + (finReceived ? 1 : 0);
    }

    private void acknowledge() {
        segment(isn + 1 + (int) sendNext, ackNumber(), TcpHeader.FLAG_ACK, null, 0, 0, false);
    }

    private boolean segment(int seq, int ack, int flags, byte[] data, int from, int length, boolean syn) {
        if (!ring.txClaim(tx)) {
            return false;
        }
        final MemorySegment f = tx.frame();
        final int ip = EthernetHeader.LENGTH;
        final int tcp = ip + Ipv4Header.MIN_LENGTH;
        long at = tcp + TcpHeader.MIN_LENGTH;
        if (syn) {
            at += TcpOptions.putMss(f, at, MAX_SEGMENT);
            at += TcpOptions.putNopWindowScale(f, at, WINDOW_SCALE);
        }
        final int headerLength = (int) (at - tcp);
        TcpHeader.write(f, tcp, port, serverPort, seq, ack, headerLength, flags, 0xFFFF);
        if (length > 0) {
            MemorySegment.copy(MemorySegment.ofArray(data), from, f, tcp + headerLength, length);
        }
        Ipv4Header.write(
                f,
                ip,
                Ipv4Header.MIN_LENGTH + headerLength + length,
                0,
                Ipv4Header.PROTOCOL_TCP,
                CLIENT_ADDRESS,
                SERVER.ipv4());
        TcpHeader.checksum(
                f, tcp, TcpHeader.computeChecksum(f, tcp, headerLength + length, CLIENT_ADDRESS, SERVER.ipv4()));
        EthernetHeader.write(f, 0, SERVER.mac(), CLIENT_MAC, EthernetHeader.ETHER_TYPE_IPV4);
        tx.length(tcp + headerLength + length);
        ring.txCommit(tx);
        ring.txSync();
        ring.txReap();
        return true;
    }
}
