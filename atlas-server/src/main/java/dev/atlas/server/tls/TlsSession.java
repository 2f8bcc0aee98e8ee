package dev.atlas.server.tls;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.security.SecureRandom;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCryptoUtils;
import org.bouncycastle.tls.crypto.TlsSecret;

/**
 * The TLS side of one connection: during the handshake, Bouncy Castle's non-blocking server
 * protocol fed whole records; from the moment it completes, our record keys and sequence
 * numbers (the key takeover: TLS 1.3 from the traffic secrets with HKDF-Expand-Label, TLS 1.2
 * from the key block {@link HandshakeCrypto} derived), after which Bouncy Castle is never
 * asked to read or write again. Also the input buffer where a record is gathered and opened.
 *
 * <p>Pooled per lane and reused; the handshake allocates (Bouncy Castle does), the record layer
 * after it does not.
 */
final class TlsSession {
    static final int IDLE = 0;
    static final int HANDSHAKING = 1;
    static final int ESTABLISHED = 2;
    static final int CLOSED = 3;

    /** A whole record of the largest size a peer may send, header included. */
    final byte[] input = new byte[RecordFormat.HEADER_BYTES + RecordFormat.MAX_CIPHERTEXT];

    final MemorySegment inputSegment = MemorySegment.ofArray(input);
    int inputLength;
    /**
     * A record at the front of {@link #input}, decrypted in place, whose plaintext the HTTP side
     * has not all taken yet (a client pipelining far ahead): its length, 0 when none, and the
     * plaintext still to hand over ({@link #heldFrom} to {@link #heldTo}).
     */
    int heldRecord;

    int heldFrom;
    int heldTo;

    int state = IDLE;
    TlsServerProtocol protocol;
    private HandshakeServer server;
    private HandshakeCrypto crypto;
    private TlsCounters counters;
    long startedNanos;
    /** Set by the handshake's completion, consumed by the responder (it then attaches HTTP). */
    boolean justCompleted;
    /** The connection waits in the lane's handshake queue. */
    boolean queued;

    final TrafficKeys readKeys = new TrafficKeys();
    /** A fresh object per key epoch: bodies queued before a key update keep the keys they were sealed with. */
    TrafficKeys writeKeys = new TrafficKeys();

    long readSeq;
    long writeSeq;
    boolean tls13;
    int suiteIndex;
    private TlsSecret clientSecret;
    private TlsSecret serverSecret;
    private int prfHash;
    private int keyBytes;

    void start(CertificateStore store, SecureRandom random, TlsCounters laneCounters, long now) throws IOException {
        this.counters = laneCounters;
        this.crypto = new HandshakeCrypto(random);
        this.server = new HandshakeServer(crypto, store, this);
        this.protocol = new TlsServerProtocol();
        this.state = HANDSHAKING;
        this.startedNanos = now;
        this.inputLength = 0;
        this.justCompleted = false;
        this.queued = false;
        this.readSeq = 0;
        this.writeSeq = 0;
        protocol.accept(server);
    }

    /** Called by the handshake server as the handshake completes: our record layer takes over from here. */
    void handshakeCompleted(TlsContext context, HandshakeCrypto handshakeCrypto) throws IOException {
        SecurityParameters sp = context.getSecurityParametersConnection();
        if (sp == null) {
            sp = context.getSecurityParametersHandshake();
        }
        final int suite = sp.getCipherSuite();
        tls13 = TlsUtils.isTLSv13(sp.getNegotiatedVersion());
        final boolean aes256 = suite == CipherSuite.TLS_AES_256_GCM_SHA384
                || suite == CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
                || suite == CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384;
        keyBytes = aes256 ? 32 : 16;
        if (tls13) {
            prfHash = sp.getPRFCryptoHashAlgorithm();
            clientSecret = sp.getTrafficSecretClient();
            serverSecret = sp.getTrafficSecretServer();
            keys13(clientSecret, readKeys);
            writeKeys = keys13(serverSecret, new TrafficKeys());
            // Bouncy Castle wrote nothing with the application keys; it read the client's Finished only.
            readSeq = 0;
            writeSeq = 0;
            suiteIndex = aes256 ? TlsCounters.TLS13_AES256 : TlsCounters.TLS13_AES128;
        } else {
            handshakeCrypto.tls12Keys(readKeys, true);
            writeKeys = new TrafficKeys();
            handshakeCrypto.tls12Keys(writeKeys, false);
            handshakeCrypto.clear();
            // Each side's Finished was record 0 under the new keys.
            readSeq = 1;
            writeSeq = 1;
            suiteIndex = aes256 ? TlsCounters.TLS12_AES256 : TlsCounters.TLS12_AES128;
        }
        state = ESTABLISHED;
        justCompleted = true;
    }

    private TrafficKeys keys13(TlsSecret secret, TrafficKeys out) throws IOException {
        final byte[] key = TlsCryptoUtils.hkdfExpandLabel(secret, prfHash, "key", TlsUtils.EMPTY_BYTES, keyBytes)
                .extract();
        final byte[] iv = TlsCryptoUtils.hkdfExpandLabel(
                        secret, prfHash, "iv", TlsUtils.EMPTY_BYTES, RecordFormat.NONCE_BYTES)
                .extract();
        return out.tls13(key, iv);
    }

    /** TLS 1.3 KeyUpdate from the client (RFC 8446 §7.2): the next client traffic secret and keys. */
    void updateReadKeys() throws IOException {
        clientSecret = TlsCryptoUtils.hkdfExpandLabel(
                clientSecret, prfHash, "traffic upd", TlsUtils.EMPTY_BYTES, TlsCryptoUtils.getHashOutputSize(prfHash));
        keys13(clientSecret, readKeys);
        readSeq = 0;
    }

    /** Our own KeyUpdate: a new write key epoch (a new object, so queued bodies keep theirs). */
    void updateWriteKeys() throws IOException {
        serverSecret = TlsCryptoUtils.hkdfExpandLabel(
                serverSecret, prfHash, "traffic upd", TlsUtils.EMPTY_BYTES, TlsCryptoUtils.getHashOutputSize(prfHash));
        writeKeys = keys13(serverSecret, new TrafficKeys());
        writeSeq = 0;
    }

    void alertSent(short description) {
        counters.alertsSent[description & 0xFF]++;
    }

    void alertReceived(short description) {
        counters.alertsReceived[description & 0xFF]++;
    }

    /** The server name the client asked for in its ClientHello, or null. */
    String serverName() {
        return server == null ? null : server.serverName();
    }

    /** Back to the pool: forget keys, secrets and Bouncy Castle's objects. */
    void reset() {
        state = IDLE;
        protocol = null;
        server = null;
        if (crypto != null) {
            crypto.clear();
            crypto = null;
        }
        readKeys.clear();
        writeKeys.clear();
        writeKeys = new TrafficKeys();
        clientSecret = null;
        serverSecret = null;
        inputLength = 0;
        heldRecord = 0;
        queued = false;
        justCompleted = false;
    }
}
