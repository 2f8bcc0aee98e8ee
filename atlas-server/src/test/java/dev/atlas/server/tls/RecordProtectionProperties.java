package dev.atlas.server.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ProtocolVersion;

/**
 * After a real handshake (a Bouncy Castle client against our {@link TlsSession}), the keys we
 * took over produce the very records Bouncy Castle's own record layer writes, and a body filled
 * frame by frame — in any cut, with retransmissions of any range, through the staged-record and
 * the AES-CTR paths — is byte for byte the body sealed whole, and the client decrypts it.
 */
class RecordProtectionProperties {
    private static CertificateStore ecdsa;
    private static CertificateStore rsa;

    @BeforeContainer
    static void certificates() throws Exception {
        final TestPki pki = new TestPki();
        final var ecKey = TestPki.ec();
        final var rsaKey = TestPki.rsa();
        ecdsa = new CertificateStore(
                List.of(new ServerCertificate(
                        new java.security.cert.X509Certificate[] {pki.issue(ecKey, "edge.test"), pki.ca},
                        ecKey.getPrivate(),
                        List.of("edge.test"),
                        "memory")),
                false);
        rsa = new CertificateStore(
                List.of(new ServerCertificate(
                        new java.security.cert.X509Certificate[] {pki.issue(rsaKey, "edge.test"), pki.ca},
                        rsaKey.getPrivate(),
                        List.of("edge.test"),
                        "memory")),
                false);
    }

    /** Version and suite pairs: index into the tables below. */
    @Provide
    Arbitrary<Integer> suites() {
        return Arbitraries.integers().between(0, 5);
    }

    private static final ProtocolVersion[] VERSIONS = {
        ProtocolVersion.TLSv13,
        ProtocolVersion.TLSv13,
        ProtocolVersion.TLSv12,
        ProtocolVersion.TLSv12,
        ProtocolVersion.TLSv12,
        ProtocolVersion.TLSv12
    };
    private static final int[] SUITES = {
        CipherSuite.TLS_AES_128_GCM_SHA256,
        CipherSuite.TLS_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
    };

    @net.jqwik.api.Example
    void rsaCertificatesServeTls13Too() throws Exception {
        final InMemoryHandshake h =
                new InMemoryHandshake(rsa, ProtocolVersion.TLSv13, CipherSuite.TLS_AES_256_GCM_SHA384, "edge.test");
        assertTrue(h.session.tls13);
    }

    private static InMemoryHandshake handshake(int suite) throws Exception {
        final CertificateStore store = suite >= 4 ? rsa : ecdsa;
        return new InMemoryHandshake(store, VERSIONS[suite], SUITES[suite], "edge.test");
    }

    @Property(tries = 12)
    void ourRecordsAreBouncyCastles(
            @ForAll("suites") int suite,
            @ForAll @IntRange(min = 0, max = 40_000) int bodyLength,
            @ForAll @IntRange(min = 0, max = 16 * 1024 - 1) int phase,
            @ForAll long seed)
            throws Exception {
        final InMemoryHandshake h = handshake(suite);
        final boolean tls13 = VERSIONS[suite] == ProtocolVersion.TLSv13;
        assertEquals(tls13, h.session.tls13);
        final int length = Math.max(1, bodyLength);
        final byte[] source = new byte[phase + length];
        new Random(seed).nextBytes(source);
        final SealedBodies bodies = new SealedBodies(1, new SunJceSealer());
        final ArraySource plain = new ArraySource(source, phase, length);
        final int slot = bodies.add(0, 0, h.session.writeKeys, h.session.writeSeq, plain, 0, phase, length);
        final int overhead = RecordFormat.overhead(tls13);
        final int framed = (int) RecordLayout.framedLength(phase, length, overhead);
        final byte[] ours = fill(bodies, slot, 0, framed);

        // Bouncy Castle writes the same plaintext, record by record as our layout cuts it.
        final byte[] theirs = new byte[framed];
        int at = 0;
        for (long k = 0; k < RecordLayout.records(phase, length); k++) {
            final int from = phase + (int) RecordLayout.plaintextStart(phase, length, k);
            final byte[] record = h.bcServerWrites(
                    Arrays.copyOfRange(source, from, from + RecordLayout.plaintextLength(phase, length, k)));
            System.arraycopy(record, 0, theirs, at, record.length);
            at += record.length;
        }
        assertEquals(framed, at);
        assertArrayEquals(theirs, ours);
        assertArrayEquals(Arrays.copyOfRange(source, phase, phase + length), h.clientReads(ours));
    }

    @Property(tries = 12)
    void framesInAnyCutAndRetransmissionsGiveTheSameBytes(
            @ForAll("suites") int suite,
            @ForAll @IntRange(min = 1, max = 70_000) int length,
            @ForAll @IntRange(min = 0, max = 16 * 1024 - 1) int phase,
            @ForAll long seed)
            throws Exception {
        final InMemoryHandshake h = handshake(suite);
        final Random random = new Random(seed);
        final byte[] source = new byte[phase + length];
        random.nextBytes(source);
        final int overhead = RecordFormat.overhead(h.session.tls13);
        final int framed = (int) RecordLayout.framedLength(phase, length, overhead);

        final SealedBodies whole = new SealedBodies(1, new SunJceSealer());
        final int wholeSlot = whole.add(
                0,
                0,
                h.session.writeKeys,
                h.session.writeSeq,
                new ArraySource(source, phase, length),
                0,
                phase,
                length);
        final byte[] reference = fill(whole, wholeSlot, 0, framed);

        // Frames of random sizes (as TSO frames cut the body), then random ranges again, some
        // with the record's plaintext only partly at hand (the AES-CTR path), some interleaved
        // with another body's frames (the staged record gone).
        // The cut body through the other engine where OpenSSL is installed: both engines, one layout, same bytes.
        final SealedBodies bodies =
                new SealedBodies(2, OpenSslSealer.isAvailable() ? new OpenSslSealer() : new SunJceSealer());
        final ArraySource plain = new ArraySource(source, phase, length);
        final int slot = bodies.add(0, 0, h.session.writeKeys, h.session.writeSeq, plain, 0, phase, length);
        final int other = bodies.add(
                1,
                0,
                h.session.writeKeys,
                h.session.writeSeq + 1000,
                new ArraySource(source, phase, length),
                0,
                phase,
                length);
        // Most of the other body's first record, up into its tag: sealed in the staging area (a
        // whole record could go straight into the frame, leaving the staged one in place).
        final int evicting = RecordLayout.plaintextLength(phase, length, 0) + overhead - 1;
        final byte[] sent = new byte[framed];
        int at = 0;
        while (at < framed) {
            final int n = Math.min(framed - at, 1 + random.nextInt(70_000));
            System.arraycopy(fill(bodies, slot, at, n), 0, sent, at, n);
            at += n;
            if (random.nextInt(4) == 0) {
                fill(bodies, other, 0, evicting);
            }
        }
        assertArrayEquals(reference, sent);
        for (int i = 0; i < 20; i++) {
            final int from = random.nextInt(framed);
            final int n = 1 + random.nextInt(Math.min(framed - from, 3000));
            plain.denyWholeRecords = random.nextBoolean();
            if (plain.denyWholeRecords && bodies.ready(null, 0, slot, from, n) < n) {
                plain.denyWholeRecords = false; // the range reaches a tag: the whole record is needed
            }
            assertArrayEquals(
                    Arrays.copyOfRange(reference, from, from + n),
                    fill(bodies, slot, from, n),
                    "retransmission of [" + from + ", " + (from + n) + ")");
        }
        // And one retransmission inside record 0's data, its plaintext only partly at hand: AES-CTR.
        fill(bodies, other, 0, evicting);
        final int prefix = RecordFormat.prefix(h.session.tls13);
        final int half = RecordLayout.plaintextLength(phase, length, 0) / 2;
        if (half > 0) {
            plain.denyWholeRecords = true;
            final long slices = bodies.slicesEncrypted();
            assertArrayEquals(Arrays.copyOfRange(reference, prefix, prefix + half), fill(bodies, slot, prefix, half));
            assertEquals(slices + 1, bodies.slicesEncrypted(), "the AES-CTR path ran");
        }
        assertArrayEquals(Arrays.copyOfRange(source, phase, phase + length), h.clientReads(reference));
    }

    private static byte[] fill(SealedBodies bodies, int slot, int from, int n) {
        assertEquals(n, bodies.ready(null, 0, slot, from, n), "everything is in memory");
        // A native frame, as a TX slot is: an engine that seals into frames does so for whole records.
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment frame = arena.allocate(n);
            bodies.fill(null, 0, slot, from, frame, 0, n);
            return frame.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    static Instant now() {
        return Instant.now();
    }
}
