package dev.atlas.server.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.atlas.server.http.PatternResponder;
import dev.atlas.server.http.PatternSource;
import dev.atlas.server.memory.MemoryRing;
import dev.atlas.server.memory.MemoryWire;
import dev.atlas.server.proto.ArpTable;
import dev.atlas.server.proto.FrameInput;
import dev.atlas.server.ring.RxSlot;
import dev.atlas.server.tcp.TcpConfig;
import dev.atlas.server.tcp.TcpStack;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.agrona.concurrent.SystemEpochClock;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCryptoUtils;
import org.bouncycastle.tls.crypto.TlsSecret;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing (Jazzer) of the TLS record input of a lane: a real TCP engine with
 * {@link TlsResponder} in front of the pattern responder, on a memory wire, with two clients.
 * One completes a real TLS 1.3 handshake (Bouncy Castle) and then sends the fuzzer's record
 * stream — records sealed with its real keys around any inner content (requests, alerts, key
 * updates, handshake messages, padding up to and past the limit), the same with a byte flipped,
 * record headers with any type, version and length in front of any bytes, and raw bytes — cut
 * into segments of a fuzzer-chosen size and spread in time. The other downloads a body over
 * HTTPS (TLS 1.3 or 1.2) or plain HTTP on the same lane. Whatever the records:
 * <ul>
 * <li>nothing escapes the lane's steps as an exception;</li>
 * <li>the download completes byte for byte;</li>
 * <li>the fuzzed connection either stays open or ends as TLS says: a FIN only after an alert from
 *     the server (which its client decrypts: every record the server wrote must open), a reset
 *     only after the client sent a valid alert of its own (or requests whose answers could not
 *     be queued); every alert the client read is counted by the server.</li>
 * </ul>
 *
 * <p>The input: byte 0 sets up the run (bits 0-1: the download over TLS 1.3, TLS 1.2, plain HTTP, TLS 1.3;
 * bits 2-7: the fuzzed connection's segment size, 1 + 23 × value bytes); then pieces, each
 * {@code op length body} with {@code length} one byte (plus 256 when {@code op} bit 7 is set):
 * <ul>
 * <li>op bits 0-2 = 1: a record sealed with the client's current keys; body byte 0 is the inner
 *     content type, the rest the content, op bits 3-5 × 2,345 zero bytes of padding (so a record
 *     can carry more than 2^14 + 1 bytes of inner plaintext). A KeyUpdate sealed this way moves
 *     the client's keys on, as the server's move.</li>
 * <li>2: the same, then byte {@code body[1] × 256 + body[2]} (modulo the record) flipped.</li>
 * <li>3: a record header: type {@code body[0]}, version {@code body[1..2]}, length field
 *     {@code body[3..4]}, then the rest of the body (so the length can lie either way).</li>
 * <li>4: a sealed request {@code GET /pattern/<body[0] × 97>}.</li>
 * <li>5: no bytes: the lane runs {@code length} × 0.5 ms first.</li>
 * <li>0, 6, 7: the body as it is.</li>
 * </ul>
 *
 * <p>Seeds and regression inputs live in
 * {@code src/test/resources/dev/atlas/server/tls/TlsRecordFuzzTestInputs/records}; a finding is
 * written there as {@code crash-…} (fix the cause, give it a name, commit it). Every build replays
 * them ({@link #committedInputsReplay}); to fuzz:
 * <pre>
 * JAZZER_FUZZ=1 mvn -pl atlas-server -am test -Dtest='TlsRecordFuzzTest#records' -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Djazzer.max_duration=10m -Djunit.jupiter.execution.timeout.mode=disabled \
 *   -DargLine='--enable-native-access=ALL-UNNAMED --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -Xmx2g -XX:+EnableDynamicAgentLoading --sun-misc-unsafe-memory-access=allow' \
 *   -Djazzer.instrumentation_excludes='dev.atlas.server.memory.**:dev.atlas.server.tls.WireClient:dev.atlas.server.http.PatternSource:dev.atlas.server.ring.InternetChecksum:org.bouncycastle.**'
 * </pre>
 */
class TlsRecordFuzzTest {
    private static final int TLS_PORT = 443;
    private static final int HTTP_PORT = 80;
    private static final int DOWNLOAD_PORT = 40_001;
    private static final int FUZZED_PORT = 40_002;
    private static final int DOWNLOAD_BYTES = 200_000;
    private static final long ONE_WAY_DELAY = 1_000_000L;
    private static final long IDLE_STEP = 1_000_000L;
    private static final long HANDSHAKE_LIMIT = 10_000_000_000L;
    private static final long TIME_LIMIT = 30_000_000_000L;
    /** After the download, the fuzzed connection has this long to settle (answer, alert, close). */
    private static final long SETTLE = 2_000_000_000L;

    private static final long PAUSE_UNIT = 500_000L;
    private static final int MAX_PIECES = 64;
    private static final int MAX_FUZZ_BYTES = 64 * 1024;
    private static final int PADDING_UNIT = 2345;
    private static final int MAX_CONNECTIONS = 8;

    private static final int OP_SEALED = 1;
    private static final int OP_TAMPERED = 2;
    private static final int OP_HEADER = 3;
    private static final int OP_REQUEST = 4;
    private static final int OP_PAUSE = 5;
    private static final int OP_LONG = 0x80;

    private static final int DOWNLOAD_TLS12 = 1;
    private static final int DOWNLOAD_HTTP = 2;

    private static final byte HANDSHAKE_KEY_UPDATE = 24;

    private static final TlsCertificates CERTIFICATES = certificates();

    private static TlsCertificates certificates() {
        try {
            final Path dir = Files.createTempDirectory("tls-record-fuzz-");
            final TestPki pki = new TestPki();
            final java.security.KeyPair key = TestPki.ec();
            final TlsCertificates.Files files = pki.write(dir, "edge", pki.issue(key, "edge.test"), key);
            final TlsCertificates certificates = new TlsCertificates(List.of(files), false, Clock.systemUTC());
            files.certificate().toFile().deleteOnExit();
            files.key().toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return certificates;
        } catch (Exception e) {
            throw new IllegalStateException("the fuzz target's test certificate could not be made", e);
        }
    }

    @FuzzTest(maxDuration = "40s")
    @Timeout(20)
    void records(byte[] input) {
        try (Run run = new Run(input.length > 0 ? input[0] & 0xFF : 0)) {
            run.play(input);
        }
    }

    /**
     * The committed inputs, replayed as a plain test: a full build leaves {@code @FuzzTest}s out of
     * its main test run (they fuzz in executions of their own), and these must hold in every build.
     */
    @Test
    void committedInputsReplay() throws IOException {
        final Path dir = Path.of("src/test/resources/dev/atlas/server/tls/TlsRecordFuzzTestInputs/records");
        final List<Path> inputs;
        try (var listing = Files.list(dir)) {
            inputs = listing.sorted().toList();
        }
        assertTrue(inputs.size() >= 5, "the committed inputs are missing from " + dir.toAbsolutePath());
        for (Path file : inputs) {
            try {
                records(Files.readAllBytes(file));
            } catch (AssertionError e) {
                throw new AssertionError(file.getFileName() + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * RFC 8446 §5.2 and §5.4: a TLS 1.3 record whose ciphertext is longer than 2^14 + 256 bytes,
     * or whose inner plaintext is longer than 2^14 + 1 bytes once opened, ends the connection with
     * {@code record_overflow}.
     */
    @Test
    void tls13RecordsOverTheLimitGetRecordOverflow() {
        // Inner plaintext 2^14 + 33 bytes (content, type, padding), ciphertext within 2^14 + 256.
        final byte[] innerTooLong = {(byte) 0xFC, 1 | (7 << 3), 2, 23, 'x'};
        // A header announcing 2^14 + 257 bytes of ciphertext.
        final byte[] headerTooLong = {(byte) 0xFC, 3, 5, 23, 3, 3, 0x41, 0x01};
        for (byte[] input : List.of(innerTooLong, headerTooLong)) {
            try (Run run = new Run(input[0] & 0xFF)) {
                run.play(input);
                assertEquals(
                        List.of(AlertDescription.record_overflow),
                        run.fuzzed.alertsRead,
                        "alerts read by the client: " + run.fuzzed);
            }
        }
    }

    /** One lane, one download, one connection fed the fuzzer's records. */
    static final class Run implements AutoCloseable {
        final MemoryWire wire;
        final MemoryRing serverRing;
        final TcpStack stack;
        final FrameInput input;
        final TlsResponder tls;
        final RxSlot rx = new RxSlot();
        final WireClient downloadTcp;
        final TlsPeer download;
        final WireClient fuzzedTcp;
        final TlsPeer fuzzed;
        final boolean plainDownload;
        /** The fuzzed connection's segment size once its handshake is done. */
        final int fuzzedSegment;

        final ByteArrayOutputStream plainResponse = new ByteArrayOutputStream();
        long now = 1_000_000_000L;

        /** Set when the fuzzed client sent a valid alert that ends a connection (a reset is then right). */
        boolean validAlertSent;

        int requestsSent;
        /** Whether the download's request went out. */
        private boolean requested;
        /** Whether the download connection sends its one request by itself once established. */
        boolean downloadRequests = true;

        Run(int setup) {
            wire = new MemoryWire(MemoryWire.DEFAULT_MTU, 512, 64, MemoryWire.DEFAULT_SLOT_CAPACITY, 2048, 1);
            wire.aToB().delayNanos(ONE_WAY_DELAY);
            wire.bToA().delayNanos(ONE_WAY_DELAY);
            wire.advanceTo(now);
            serverRing = wire.a();
            final TcpConfig config = TcpConfig.defaults()
                    .maxConnections(MAX_CONNECTIONS)
                    .retainedBytesPerConnection(TlsSettings.RETAINED_BYTES_PER_CONNECTION);
            final PatternResponder http = new PatternResponder(MAX_CONNECTIONS, SystemEpochClock.INSTANCE);
            tls = new TlsResponder(
                    http,
                    TLS_PORT,
                    CERTIFICATES,
                    MAX_CONNECTIONS,
                    new SunJceSealer(),
                    TlsSettings.DEFAULT_HANDSHAKE_RECORDS_PER_PASS);
            final ArpTable arp = new ArpTable(64);
            stack = new TcpStack(WireClient.SERVER, arp, serverRing, config, tls);
            stack.listen(HTTP_PORT);
            stack.listen(TLS_PORT);
            input = new FrameInput(WireClient.SERVER, arp, serverRing, stack);
            plainDownload = (setup & 3) == DOWNLOAD_HTTP;
            downloadTcp = new WireClient(wire.b(), DOWNLOAD_PORT, plainDownload ? HTTP_PORT : TLS_PORT);
            download = plainDownload
                    ? null
                    : new TlsPeer(
                            downloadTcp,
                            (setup & 3) == DOWNLOAD_TLS12 ? ProtocolVersion.TLSv12 : ProtocolVersion.TLSv13,
                            (setup & 3) == DOWNLOAD_TLS12
                                    ? CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
                                    : CipherSuite.TLS_AES_128_GCM_SHA256,
                            false);
            fuzzedTcp = new WireClient(wire.b(), FUZZED_PORT, TLS_PORT);
            fuzzedSegment = 1 + 23 * (setup >>> 2);
            fuzzed = new TlsPeer(fuzzedTcp, ProtocolVersion.TLSv13, CipherSuite.TLS_AES_128_GCM_SHA256, true);
        }

        void play(byte[] bytes) {
            downloadTcp.connect(now);
            fuzzedTcp.connect(now);
            final long handshakeDeadline = now + HANDSHAKE_LIMIT;
            while (!fuzzed.established && now < handshakeDeadline) {
                step();
            }
            assertTrue(fuzzed.established, "the fuzzed connection's handshake completes before any fuzzing: " + fuzzed);
            fuzzedTcp.segmentSize(fuzzedSegment);
            int at = 1;
            int fuzzBytes = 0;
            for (int pieces = 0;
                    pieces < MAX_PIECES && at + 2 <= bytes.length && fuzzBytes < MAX_FUZZ_BYTES;
                    pieces++) {
                final int op = bytes[at] & 0xFF;
                final int length =
                        Math.min((bytes[at + 1] & 0xFF) + ((op & OP_LONG) != 0 ? 256 : 0), bytes.length - at - 2);
                final int from = at + 2;
                at = from + length;
                switch (op & 7) {
                    case OP_SEALED -> fuzzBytes += fuzzed.sealed(bytes, from, length, (op >>> 3) & 7, -1, this);
                    case OP_TAMPERED -> {
                        final int flip = length >= 3 ? ((bytes[from + 1] & 0xFF) << 8) | (bytes[from + 2] & 0xFF) : 0;
                        fuzzBytes += fuzzed.sealed(bytes, from, length, (op >>> 3) & 7, flip, this);
                    }
                    case OP_HEADER -> fuzzBytes += header(bytes, from, length);
                    case OP_REQUEST -> {
                        final int n = length > 0 ? (bytes[from] & 0xFF) * 97 : 0;
                        final byte[] request = ("GET /pattern/" + n + " HTTP/1.1\r\nHost: edge.test\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII);
                        final byte[] content = new byte[request.length + 1];
                        content[0] = (byte) RecordFormat.APPLICATION_DATA;
                        System.arraycopy(request, 0, content, 1, request.length);
                        fuzzBytes += fuzzed.sealed(content, 0, content.length, 0, -1, this);
                        requestsSent++;
                    }
                    case OP_PAUSE -> {
                        final long until = now + length * PAUSE_UNIT;
                        while (now < until) {
                            step();
                        }
                    }
                    default -> {
                        fuzzedTcp.write(bytes, from, length);
                        fuzzBytes += length;
                    }
                }
            }
            final long deadline = now + TIME_LIMIT;
            while (!downloadDone() && now < deadline) {
                step();
            }
            final long settled = now + SETTLE;
            while (now < settled) {
                step();
            }
            assertDownload();
            assertFuzzedEnding();
        }

        private int header(byte[] bytes, int from, int length) {
            final byte[] record = new byte[RecordFormat.HEADER_BYTES + Math.max(0, length - 5)];
            for (int i = 0; i < Math.min(length, RecordFormat.HEADER_BYTES); i++) {
                record[i] = bytes[from + i];
            }
            if (length > RecordFormat.HEADER_BYTES) {
                System.arraycopy(bytes, from + 5, record, 5, length - 5);
            }
            fuzzedTcp.write(record);
            return record.length;
        }

        private boolean downloadDone() {
            if (plainDownload) {
                return Response.complete(plainResponse.toByteArray());
            }
            return Response.complete(download.plaintext.toByteArray());
        }

        private void assertDownload() {
            final byte[] response = plainDownload ? plainResponse.toByteArray() : download.plaintext.toByteArray();
            assertTrue(
                    Response.complete(response),
                    "the download completes beside the fuzzed connection: " + response.length + " bytes; "
                            + (plainDownload ? "HTTP" : download.toString()));
            final String head = Response.head(response);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            final byte[] expected = new byte[DOWNLOAD_BYTES];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = PatternSource.patternByte(i);
            }
            assertArrayEquals(expected, Response.body(response), "every downloaded byte is right");
            assertTrue(
                    plainDownload || download.failure == null, "the download's client read every record: " + download);
        }

        private void assertFuzzedEnding() {
            assertEquals(
                    null, fuzzed.failure, "every record the server wrote on the fuzzed connection opens at its client");
            if (fuzzedTcp.finReceived) {
                assertTrue(
                        fuzzed.alertsRead.size() > 0,
                        "the server closed the fuzzed connection without an alert: " + fuzzed);
            }
            if (fuzzedTcp.resetReceived) {
                assertTrue(
                        validAlertSent || requestsSent > 0,
                        "the fuzzed connection was reset with no alert from its client to answer: " + fuzzed);
            }
            final TlsCounters counters = tls.counters();
            for (short description : fuzzed.alertsRead) {
                assertTrue(
                        counters.alertsSent[description & 0xFF] > 0,
                        "alert " + AlertDescription.getText(description) + " reached the client but was not counted");
            }
        }

        /** One lane pass (as {@code ServerLane} orders its steps), then both clients. */
        void step() {
            wire.advanceTo(now);
            int work = 0;
            serverRing.rxSync();
            while (serverRing.rxNext(rx)) {
                work += input.onFrame(rx, now);
            }
            serverRing.rxRelease();
            work += stack.plan(now);
            work += tls.doWork();
            work += stack.output(now);
            work += serverRing.txSync();
            serverRing.txReap();
            work += stack.timers(now);

            final MemoryRing clients = wire.b();
            clients.rxSync();
            while (clients.rxNext(rx)) {
                work++;
                if (!downloadTcp.onFrame(rx.frame(), now)) {
                    fuzzedTcp.onFrame(rx.frame(), now);
                }
            }
            clients.rxRelease();
            if (plainDownload) {
                if (downloadTcp.established && !requested) {
                    downloadTcp.write(("GET /pattern/" + DOWNLOAD_BYTES + " HTTP/1.1\r\nHost: edge.test\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    requested = true;
                }
                plainResponse.writeBytes(downloadTcp.takeReceived());
            } else {
                work += download.pump(now);
                if (download.established && !requested && downloadRequests) {
                    download.write(("GET /pattern/" + DOWNLOAD_BYTES + " HTTP/1.1\r\nHost: edge.test\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    requested = true;
                }
            }
            work += fuzzed.pump(now);
            work += downloadTcp.output(now);
            work += fuzzedTcp.output(now);
            if (work == 0) {
                final long due = wire.nextDue();
                now = Math.max(now + 1, Math.min(due, now + IDLE_STEP));
            }
        }

        @Override
        public void close() {
            wire.close();
        }
    }

    /**
     * A Bouncy Castle client over a {@link WireClient}. A fuzzed peer stops writing through Bouncy
     * Castle once the handshake is done: from then on it seals its own records with the client
     * traffic keys (and follows its own key updates), so it can put anything inside them.
     */
    static final class TlsPeer {
        final WireClient tcp;
        final TlsClientProtocol protocol = new TlsClientProtocol();
        final boolean fuzzedAfterHandshake;
        final ByteArrayOutputStream plaintext = new ByteArrayOutputStream();
        final List<Short> alertsRead = new ArrayList<>();
        boolean established;
        /** Why this client could not go on reading the server's records, or null. */
        Exception failure;

        private TlsSecret clientSecret;
        private int prfHash;
        private int keyBytes;
        private byte[] key;
        private byte[] iv;
        private long seq;

        TlsPeer(WireClient tcp, ProtocolVersion version, int suite, boolean fuzzedAfterHandshake) {
            this.tcp = tcp;
            this.fuzzedAfterHandshake = fuzzedAfterHandshake;
            try {
                protocol.connect(new Client(version, suite));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Moves bytes between the wire client and Bouncy Castle; returns work done. */
        int pump(long now) {
            int work = 0;
            final byte[] in = tcp.takeReceived();
            if (in.length > 0 && failure == null && !protocol.isClosed()) {
                work++;
                try {
                    protocol.offerInput(in);
                    final int available = protocol.getAvailableInputBytes();
                    if (available > 0) {
                        final byte[] plain = new byte[available];
                        protocol.readInput(plain, 0, available);
                        plaintext.writeBytes(plain);
                    }
                } catch (IOException e) {
                    if (!(e instanceof org.bouncycastle.tls.TlsFatalAlertReceived)) {
                        failure = e;
                    }
                }
            }
            if (!(fuzzedAfterHandshake && established)) {
                final int out = protocol.getAvailableOutputBytes();
                if (out > 0) {
                    final byte[] bytes = new byte[out];
                    protocol.readOutput(bytes, 0, out);
                    tcp.write(bytes);
                    work++;
                }
            }
            if (!established && !protocol.isHandshaking() && protocol.isConnected()) {
                established = true;
            }
            return work;
        }

        void write(byte[] bytes) {
            try {
                protocol.writeApplicationData(bytes, 0, bytes.length);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * Seals {@code body[1..]} as a TLS 1.3 record of inner type {@code body[0]} with
         * {@code padding × 2345} zero bytes after it, optionally flips one byte, and queues it;
         * returns the bytes queued.
         */
        int sealed(byte[] body, int from, int length, int padding, int flip, Run run) {
            final byte type = length > 0 ? body[from] : RecordFormat.APPLICATION_DATA;
            final int contentLength = Math.max(0, length - 1);
            final int innerLength = contentLength + 1 + padding * PADDING_UNIT;
            final int sealedLength = innerLength + RecordFormat.TAG_BYTES;
            final byte[] record = new byte[RecordFormat.HEADER_BYTES + sealedLength];
            record[0] = RecordFormat.APPLICATION_DATA;
            record[1] = 3;
            record[2] = 3;
            record[3] = (byte) (sealedLength >>> 8);
            record[4] = (byte) sealedLength;
            if (contentLength > 0) {
                System.arraycopy(body, from + 1, record, RecordFormat.HEADER_BYTES, contentLength);
            }
            record[RecordFormat.HEADER_BYTES + contentLength] = type;
            try {
                final byte[] nonce = iv.clone();
                for (int i = 0; i < 8; i++) {
                    nonce[nonce.length - 1 - i] ^= (byte) (seq >>> (8 * i));
                }
                // A fresh cipher each time: a tampered record leaves the sequence number where it was, so
                // the next record may use the same nonce, which one SunJCE instance would refuse twice.
                final Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
                gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
                gcm.updateAAD(record, 0, RecordFormat.HEADER_BYTES);
                gcm.doFinal(record, RecordFormat.HEADER_BYTES, innerLength, record, RecordFormat.HEADER_BYTES);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
            if (flip >= 0) {
                record[flip % record.length] ^= 0x01;
            } else {
                seq++;
                if (type == RecordFormat.ALERT
                        && contentLength == 2
                        && innerLength <= RecordFormat.MAX_PLAINTEXT + 1
                        && (body[from + 1] == AlertLevel.fatal || body[from + 2] != AlertDescription.user_canceled)) {
                    run.validAlertSent = true;
                }
                if (type == RecordFormat.HANDSHAKE) {
                    followKeyUpdates(body, from + 1, contentLength);
                }
            }
            tcp.write(record);
            return record.length;
        }

        /** The server moves its read keys on for each well-formed KeyUpdate it reads (until a message it refuses). */
        private void followKeyUpdates(byte[] content, int from, int length) {
            int at = from;
            final int end = from + length;
            while (end - at >= 5
                    && content[at] == HANDSHAKE_KEY_UPDATE
                    && content[at + 1] == 0
                    && content[at + 2] == 0
                    && content[at + 3] == 1) {
                try {
                    clientSecret = TlsCryptoUtils.hkdfExpandLabel(
                            clientSecret,
                            prfHash,
                            "traffic upd",
                            TlsUtils.EMPTY_BYTES,
                            TlsCryptoUtils.getHashOutputSize(prfHash));
                    keys();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                at += 5;
            }
        }

        private void keys() throws IOException {
            key = TlsCryptoUtils.hkdfExpandLabel(clientSecret, prfHash, "key", TlsUtils.EMPTY_BYTES, keyBytes)
                    .extract();
            iv = TlsCryptoUtils.hkdfExpandLabel(
                            clientSecret, prfHash, "iv", TlsUtils.EMPTY_BYTES, RecordFormat.NONCE_BYTES)
                    .extract();
            seq = 0;
        }

        @Override
        public String toString() {
            return "established " + established + ", " + tcp.receivedBytes() + " bytes received, FIN "
                    + tcp.finReceived + ", reset " + tcp.resetReceived + ", alerts read "
                    + alertsRead.stream().map(AlertDescription::getText).toList() + ", client failure " + failure;
        }

        private final class Client extends PinnedTlsClient {
            Client(ProtocolVersion version, int suite) {
                super(new JcaTlsCryptoProvider().create(new SecureRandom()), version, suite, null);
            }

            @Override
            public void notifyAlertReceived(short alertLevel, short alertDescription) {
                alertsRead.add(alertDescription);
            }

            @Override
            public void notifyHandshakeComplete() throws IOException {
                super.notifyHandshakeComplete();
                final SecurityParameters sp = context.getSecurityParametersConnection() != null
                        ? context.getSecurityParametersConnection()
                        : context.getSecurityParametersHandshake();
                if (TlsUtils.isTLSv13(sp.getNegotiatedVersion())) {
                    prfHash = sp.getPRFCryptoHashAlgorithm();
                    keyBytes = sp.getCipherSuite() == CipherSuite.TLS_AES_256_GCM_SHA384 ? 32 : 16;
                    clientSecret = sp.getTrafficSecretClient();
                    keys();
                }
            }
        }
    }

    /** Reading an HTTP/1.1 response with a Content-Length from the bytes received so far. */
    static final class Response {
        private static int headEnd(byte[] r) {
            for (int i = 0; i + 3 < r.length; i++) {
                if (r[i] == '\r' && r[i + 1] == '\n' && r[i + 2] == '\r' && r[i + 3] == '\n') {
                    return i + 4;
                }
            }
            return -1;
        }

        static String head(byte[] r) {
            final int end = headEnd(r);
            return end < 0 ? "" : new String(r, 0, end, StandardCharsets.US_ASCII);
        }

        static boolean complete(byte[] r) {
            final int end = headEnd(r);
            return end >= 0 && r.length - end >= DOWNLOAD_BYTES;
        }

        static byte[] body(byte[] r) {
            final int end = headEnd(r);
            return Arrays.copyOfRange(r, end, Math.min(r.length, end + DOWNLOAD_BYTES));
        }
    }
}
