package dev.atlas.server.tls;

import dev.atlas.server.http.Responder;
import dev.atlas.server.tcp.PayloadSource;
import dev.atlas.server.tcp.SendFilter;
import dev.atlas.server.tcp.TcpConnection;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;

/**
 * HTTPS in front of a lane's HTTP responder. Connections to the TLS port get a {@link TlsSession}:
 * their bytes go to the Bouncy Castle handshake record by record until it completes, then
 * through our own record layer — requests opened and handed to the HTTP responder as plaintext,
 * alerts, TLS 1.3 key updates and TLS 1.2 renegotiation attempts answered here — and whatever the
 * HTTP responder queues goes through this {@link SendFilter} into records: heads sealed at once
 * (retained), bodies as {@link SealedBodies} segments sealed as they are sent. Connections to
 * any other port go straight to the HTTP responder, so one lane serves HTTP and HTTPS at once.
 *
 * <p>Handshake work is bounded per lane pass ({@code handshakeRecordsPerPass} records offered to
 * Bouncy Castle, which does the public-key work); the rest waits in a FIFO for the next pass, so
 * a burst of handshakes cannot starve connections that are streaming.
 *
 * <p>Lane thread only. After the handshake nothing here allocates.
 */
public final class TlsResponder implements Responder, SendFilter {
    private static final byte HANDSHAKE_KEY_UPDATE = 24;
    private static final byte HANDSHAKE_CLIENT_HELLO = 1;
    private static final int HANDSHAKE_HEADER = 4;
    private static final byte UPDATE_REQUESTED = 1;

    private final Responder http;
    private final int tlsPort;
    private final TlsCertificates certificates;
    private final SealedBodies bodies;
    private final RecordOpener opener = new RecordOpener();
    private final TlsCounters counters = new TlsCounters();
    private final TlsSession[] sessions;
    private final boolean[] httpAttached;
    private final ArrayDeque<TlsSession> pool = new ArrayDeque<>();
    private final ArrayDeque<TcpConnection> handshakeQueue;
    private final int handshakeRecordsPerPass;
    private int handshakeBudget;
    private final byte[] output = new byte[RecordFormat.HEADER_BYTES + RecordFormat.MAX_CIPHERTEXT];
    private final MemorySegment outputSegment = MemorySegment.ofArray(output);
    private final byte[] control = new byte[8];
    private final MemorySegment controlSegment = MemorySegment.ofArray(control);
    private final SecureRandom random = new SecureRandom();

    /**
     * @param http                    the lane's HTTP responder (plaintext in, responses queued on the connection)
     * @param tlsPort                 connections to this local port speak TLS
     * @param maxConnections          the TCP engine's connection table size
     * @param sealer                  the lane's sealing engine
     * @param handshakeRecordsPerPass handshake records Bouncy Castle may process per lane pass
     */
    public TlsResponder(
            Responder http,
            int tlsPort,
            TlsCertificates certificates,
            int maxConnections,
            RecordSealer sealer,
            int handshakeRecordsPerPass) {
        this.http = http;
        this.tlsPort = tlsPort;
        this.certificates = certificates;
        this.bodies = new SealedBodies(maxConnections, sealer);
        this.sessions = new TlsSession[maxConnections];
        this.httpAttached = new boolean[maxConnections];
        this.handshakeQueue = new ArrayDeque<>(maxConnections);
        this.handshakeRecordsPerPass = handshakeRecordsPerPass;
        this.handshakeBudget = handshakeRecordsPerPass;
    }

    public TlsCounters counters() {
        return counters;
    }

    public SealedBodies bodies() {
        return bodies;
    }

    public RecordSealer sealer() {
        return bodies.sealer();
    }

    public int tlsPort() {
        return tlsPort;
    }

    // ---------------------------------------------------------------------------------------
    // TcpApplication
    // ---------------------------------------------------------------------------------------

    @Override
    public void onAccept(TcpConnection connection) {
        if (connection.localPort() != tlsPort) {
            http.onAccept(connection);
            return;
        }
        TlsSession session = pool.poll();
        if (session == null) {
            session = new TlsSession();
        }
        sessions[connection.id()] = session;
        httpAttached[connection.id()] = false;
        counters.handshakesStarted++;
        connection.sendFilter(this);
        try {
            session.start(certificates.store(), random, counters, System.nanoTime());
        } catch (IOException e) {
            handshakeFailed(connection, session);
        }
    }

    @Override
    public int onData(TcpConnection connection, MemorySegment data, long offset, int length) {
        final TlsSession session = sessions[connection.id()];
        if (session == null) {
            return http.onData(connection, data, offset, length);
        }
        long at = offset;
        int remaining = length;
        while (remaining > 0 && session.state != TlsSession.CLOSED && sessions[connection.id()] == session) {
            final int room = session.input.length - session.inputLength;
            if (room == 0) {
                break; // a full buffer (a deferred handshake): the bytes not taken are not acknowledged, the peer
                // resends them
            }
            final int n = Math.min(room, remaining);
            MemorySegment.copy(data, at, session.inputSegment, session.inputLength, n);
            session.inputLength += n;
            at += n;
            remaining -= n;
            process(connection, session);
        }
        return length - remaining;
    }

    /** Handles every whole record in the session's input; leaves a partial one (or a deferred handshake) there. */
    private void process(TcpConnection connection, TlsSession session) {
        final byte[] in = session.input;
        if (session.heldRecord > 0 && !deliverHeld(connection, session)) {
            return; // the HTTP side is still full: the records behind wait, and the input fills up
        }
        while (session.inputLength >= RecordFormat.HEADER_BYTES
                && sessions[connection.id()] == session
                && session.state != TlsSession.CLOSED) {
            final int bodyLength =
                    ((in[RecordFormat.LENGTH_OFFSET] & 0xFF) << 8) | (in[RecordFormat.LENGTH_OFFSET + 1] & 0xFF);
            final int type = in[RecordFormat.TYPE_OFFSET];
            final boolean plausible = type >= RecordFormat.CHANGE_CIPHER_SPEC
                    && type <= RecordFormat.APPLICATION_DATA
                    && in[RecordFormat.VERSION_OFFSET] == 3;
            if (session.state == TlsSession.HANDSHAKING) {
                if (handshakeBudget <= 0) {
                    defer(connection, session);
                    return;
                }
                if (!plausible || bodyLength > RecordFormat.MAX_CIPHERTEXT) {
                    // Not TLS (say, plain HTTP on the HTTPS port): Bouncy Castle raises the alert the bytes deserve.
                    handshakeBudget--;
                    offerHandshake(connection, session, Math.min(session.inputLength, RecordFormat.HEADER_BYTES));
                    return;
                }
                final int recordLength = RecordFormat.HEADER_BYTES + bodyLength;
                if (session.inputLength < recordLength) {
                    return;
                }
                handshakeBudget--;
                if (!offerHandshake(connection, session, recordLength)) {
                    return;
                }
                consume(session, recordLength);
                if (session.justCompleted) {
                    session.justCompleted = false;
                    completed(connection, session);
                }
            } else {
                final boolean tooLong = bodyLength > RecordFormat.maxCiphertext(session.tls13);
                if (!plausible || tooLong) {
                    fatal(
                            connection,
                            session,
                            tooLong ? AlertDescription.record_overflow : AlertDescription.unexpected_message);
                    return;
                }
                final int recordLength = RecordFormat.HEADER_BYTES + bodyLength;
                if (session.inputLength < recordLength) {
                    return;
                }
                if (!openRecord(connection, session, recordLength)) {
                    return;
                }
                if (sessions[connection.id()] == session) {
                    consume(session, recordLength);
                }
            }
        }
    }

    private static void consume(TlsSession session, int recordLength) {
        final int rest = session.inputLength - recordLength;
        if (rest > 0) {
            System.arraycopy(session.input, recordLength, session.input, 0, rest);
        }
        session.inputLength = rest;
    }

    private void defer(TcpConnection connection, TlsSession session) {
        if (!session.queued) {
            session.queued = true;
            counters.handshakesDeferred++;
            handshakeQueue.add(connection);
        }
    }

    /** Offers {@code length} input bytes to Bouncy Castle and sends what it writes; false when the handshake failed. */
    private boolean offerHandshake(TcpConnection connection, TlsSession session, int length) {
        try {
            session.protocol.offerInput(session.input, 0, length);
        } catch (IOException | RuntimeException e) {
            flushHandshake(connection, session);
            handshakeFailed(connection, session);
            return false;
        }
        flushHandshake(connection, session);
        return true;
    }

    /** Moves Bouncy Castle's output into the connection's retained bytes (as much as fits; the rest on the next ACK). */
    private void flushHandshake(TcpConnection connection, TlsSession session) {
        int available;
        while ((available = session.protocol.getAvailableOutputBytes()) > 0) {
            final int n = (int) Math.min(Math.min(available, output.length), connection.retainedFreeDirect());
            if (n <= 0) {
                return;
            }
            session.protocol.readOutput(output, 0, n);
            if (!connection.sendRetainedDirect(outputSegment, 0, n)) {
                return;
            }
        }
    }

    private void handshakeFailed(TcpConnection connection, TlsSession session) {
        counters.handshakesFailed++;
        session.state = TlsSession.CLOSED;
        connection.shutdownOutput(); // after the alert Bouncy Castle wrote
    }

    private void completed(TcpConnection connection, TlsSession session) {
        counters.handshakesCompleted[session.suiteIndex]++;
        counters.handshakeTook(System.nanoTime() - session.startedNanos);
        httpAttached[connection.id()] = true;
        http.onAccept(connection);
    }

    /** Opens one record with our keys and acts on it; false when the connection is closing. */
    private boolean openRecord(TcpConnection connection, TlsSession session, int recordLength) {
        final byte[] in = session.input;
        final byte outerType = in[RecordFormat.TYPE_OFFSET];
        if (outerType == RecordFormat.CHANGE_CIPHER_SPEC
                || session.tls13 && outerType != RecordFormat.APPLICATION_DATA) {
            fatal(connection, session, AlertDescription.unexpected_message);
            return false;
        }
        final int opened = opener.open(session.readKeys, session.readSeq, in, 0, recordLength);
        if (opened == RecordOpener.BAD_RECORD) {
            counters.badRecords++;
            fatal(connection, session, AlertDescription.bad_record_mac);
            return false;
        }
        session.readSeq++;
        counters.recordsOpened++;
        if (opened > RecordFormat.maxOpened(session.tls13)) {
            // Authentic, but longer than the protocol allows once decrypted (padding can do that in TLS 1.3).
            fatal(connection, session, AlertDescription.record_overflow);
            return false;
        }
        final int prefix = RecordFormat.prefix(session.tls13);
        int contentLength = opened;
        byte type = outerType;
        if (session.tls13) {
            int last = prefix + opened - 1;
            while (last >= prefix && in[last] == 0) {
                last--; // padding
            }
            if (last < prefix) {
                fatal(connection, session, AlertDescription.unexpected_message);
                return false;
            }
            type = in[last];
            contentLength = last - prefix;
        }
        return switch (type) {
            case RecordFormat.APPLICATION_DATA -> {
                final int taken =
                        contentLength == 0 ? 0 : http.onData(connection, session.inputSegment, prefix, contentLength);
                if (sessions[connection.id()] != session || session.state != TlsSession.ESTABLISHED) {
                    yield false;
                }
                if (taken < contentLength) {
                    // The HTTP side holds pipelined requests only within its budget, and this record's
                    // bytes are already acknowledged to the client: keep the rest of its plaintext
                    // here and hand it over when a response completes (onSendComplete). Until then
                    // no further record is opened and the input fills, so TCP stops taking bytes
                    // and the client's window closes: the same back-pressure as plain HTTP.
                    session.heldRecord = recordLength;
                    session.heldFrom = prefix + taken;
                    session.heldTo = prefix + contentLength;
                    counters.plaintextHeld++;
                    yield false;
                }
                yield true;
            }
            case RecordFormat.ALERT -> alert(connection, session, prefix, contentLength);
            case RecordFormat.HANDSHAKE -> handshakeMessages(connection, session, prefix, contentLength);
            default -> {
                fatal(connection, session, AlertDescription.unexpected_message);
                yield false;
            }
        };
    }

    /** Hands the held plaintext to the HTTP side; true when all of it went (the record is consumed). */
    private boolean deliverHeld(TcpConnection connection, TlsSession session) {
        final int taken =
                http.onData(connection, session.inputSegment, session.heldFrom, session.heldTo - session.heldFrom);
        if (sessions[connection.id()] != session || session.state != TlsSession.ESTABLISHED) {
            return false;
        }
        session.heldFrom += taken;
        if (session.heldFrom < session.heldTo) {
            return false;
        }
        consume(session, session.heldRecord);
        session.heldRecord = 0;
        return true;
    }

    private boolean alert(TcpConnection connection, TlsSession session, int at, int length) {
        if (length != 2) {
            fatal(connection, session, AlertDescription.decode_error);
            return false;
        }
        final short level = session.input[at];
        final short description = (short) (session.input[at + 1] & 0xFF);
        counters.alertsReceived[description]++;
        if (description == AlertDescription.close_notify) {
            queueAlert(connection, session, AlertLevel.warning, AlertDescription.close_notify);
            session.state = TlsSession.CLOSED;
            connection.shutdownOutput();
            return false;
        }
        if (level == AlertLevel.fatal || session.tls13 && description != AlertDescription.user_canceled) {
            session.state = TlsSession.CLOSED;
            connection.abort();
            return false;
        }
        return true; // a warning (user_canceled, no_renegotiation): nothing to do
    }

    private boolean handshakeMessages(TcpConnection connection, TlsSession session, int at, int length) {
        final byte[] in = session.input;
        int position = at;
        final int end = at + length;
        while (position < end) {
            if (end - position < HANDSHAKE_HEADER) {
                fatal(connection, session, AlertDescription.decode_error);
                return false;
            }
            final byte messageType = in[position];
            final int messageLength =
                    ((in[position + 1] & 0xFF) << 16) | ((in[position + 2] & 0xFF) << 8) | (in[position + 3] & 0xFF);
            if (messageLength > end - position - HANDSHAKE_HEADER) {
                fatal(connection, session, AlertDescription.decode_error);
                return false;
            }
            if (session.tls13 && messageType == HANDSHAKE_KEY_UPDATE && messageLength == 1) {
                if (!keyUpdate(connection, session, in[position + HANDSHAKE_HEADER] == UPDATE_REQUESTED)) {
                    return false;
                }
            } else if (!session.tls13 && messageType == HANDSHAKE_CLIENT_HELLO) {
                // Renegotiation is never allowed (RFC 5746 would need more state than it is worth).
                counters.renegotiationsRefused++;
                queueAlert(connection, session, AlertLevel.warning, AlertDescription.no_renegotiation);
            } else {
                fatal(connection, session, AlertDescription.unexpected_message);
                return false;
            }
            position += HANDSHAKE_HEADER + messageLength;
        }
        return true;
    }

    private boolean keyUpdate(TcpConnection connection, TlsSession session, boolean requested) {
        counters.keyUpdatesReceived++;
        try {
            session.updateReadKeys();
            if (requested) {
                control[0] = HANDSHAKE_KEY_UPDATE;
                control[1] = 0;
                control[2] = 0;
                control[3] = 1;
                control[4] = 0; // update_not_requested
                if (!bodies.queueRecord(
                        connection,
                        session.writeKeys,
                        session.writeSeq++,
                        RecordFormat.HANDSHAKE,
                        controlSegment,
                        0,
                        HANDSHAKE_HEADER + 1)) {
                    connection.abort();
                    return false;
                }
                session.updateWriteKeys();
                counters.keyUpdatesSent++;
            }
        } catch (IOException e) {
            fatal(connection, session, AlertDescription.internal_error);
            return false;
        }
        return true;
    }

    private void queueAlert(TcpConnection connection, TlsSession session, short level, short description) {
        control[0] = (byte) level;
        control[1] = (byte) description;
        if (bodies.queueRecord(
                connection, session.writeKeys, session.writeSeq++, RecordFormat.ALERT, controlSegment, 0, 2)) {
            counters.alertsSent[description]++;
        }
    }

    /** A fatal alert under our keys, then the connection closes. */
    private void fatal(TcpConnection connection, TlsSession session, short description) {
        queueAlert(connection, session, AlertLevel.fatal, description);
        session.state = TlsSession.CLOSED;
        connection.shutdownOutput();
    }

    /** Deadlines are the HTTP side's (request heads, keep-alive): they count once the handshake has handed over. */
    @Override
    public void onDeadline(TcpConnection connection) {
        if (sessions[connection.id()] == null || httpAttached[connection.id()]) {
            http.onDeadline(connection);
        }
    }

    @Override
    public void onSendComplete(TcpConnection connection) {
        final TlsSession session = sessions[connection.id()];
        if (session == null) {
            http.onSendComplete(connection);
            return;
        }
        if (session.state == TlsSession.HANDSHAKING
                || session.protocol != null && session.state == TlsSession.CLOSED && !httpAttached[connection.id()]) {
            flushHandshake(connection, session);
        }
        if (httpAttached[connection.id()]) {
            http.onSendComplete(connection);
            if (session.heldRecord > 0 && sessions[connection.id()] == session) {
                // The responses went out, so the HTTP side has room again: the held requests, then
                // the records that waited behind them.
                process(connection, session);
            }
        }
    }

    @Override
    public void onClose(TcpConnection connection) {
        final int id = connection.id();
        final TlsSession session = sessions[id];
        if (session == null) {
            http.onClose(connection);
            return;
        }
        if (session.state == TlsSession.HANDSHAKING) {
            counters.handshakesFailed++;
        }
        if (httpAttached[id]) {
            httpAttached[id] = false;
            http.onClose(connection);
        }
        bodies.release(connection);
        sessions[id] = null;
        session.reset();
        pool.add(session);
    }

    /** Deferred handshakes get this pass's budget, then the HTTP responder's own step. */
    @Override
    public int doWork() {
        handshakeBudget = handshakeRecordsPerPass;
        int work = 0;
        while (handshakeBudget > 0 && !handshakeQueue.isEmpty()) {
            final TcpConnection connection = handshakeQueue.poll();
            final TlsSession session = sessions[connection.id()];
            if (session == null || !session.queued) {
                continue;
            }
            session.queued = false;
            process(connection, session);
            work++;
        }
        return work + http.doWork();
    }

    // ---------------------------------------------------------------------------------------
    // SendFilter: what the HTTP responder queues becomes records
    // ---------------------------------------------------------------------------------------

    @Override
    public boolean sendRetained(TcpConnection connection, MemorySegment bytes, long offset, int length) {
        final TlsSession session = sessions[connection.id()];
        if (session == null || session.state != TlsSession.ESTABLISHED) {
            return false;
        }
        final int overhead = RecordFormat.overhead(session.tls13);
        final int records = (length + RecordFormat.MAX_PLAINTEXT - 1) / RecordFormat.MAX_PLAINTEXT;
        if (connection.retainedFreeDirect() < (long) length + (long) records * overhead) {
            return false;
        }
        long at = offset;
        int remaining = length;
        while (remaining > 0) {
            final int n = Math.min(remaining, RecordFormat.MAX_PLAINTEXT);
            if (!bodies.queueRecord(
                    connection, session.writeKeys, session.writeSeq++, RecordFormat.APPLICATION_DATA, bytes, at, n)) {
                return false;
            }
            at += n;
            remaining -= n;
        }
        return true;
    }

    @Override
    public boolean send(TcpConnection connection, PayloadSource src, long token, long sourceOffset, long length) {
        final TlsSession session = sessions[connection.id()];
        if (session == null || session.state != TlsSession.ESTABLISHED) {
            return false;
        }
        final long records =
                bodies.queue(connection, session.writeKeys, session.writeSeq, src, token, sourceOffset, length);
        if (records < 0) {
            return false;
        }
        session.writeSeq += records;
        return true;
    }

    /** The HTTP side closes the connection: close_notify goes before the FIN, so the client knows the end is real. */
    @Override
    public void closing(TcpConnection connection) {
        final TlsSession session = sessions[connection.id()];
        if (session != null && session.state == TlsSession.ESTABLISHED) {
            queueAlert(connection, session, AlertLevel.warning, AlertDescription.close_notify);
            session.state = TlsSession.CLOSED;
        }
    }

    @Override
    public long retainedFree(TcpConnection connection) {
        final TlsSession session = sessions[connection.id()];
        if (session == null) {
            return connection.retainedFreeDirect();
        }
        return Math.max(0, connection.retainedFreeDirect() - RecordFormat.overhead(session.tls13));
    }
}
