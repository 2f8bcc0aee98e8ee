package dev.atlas.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsFatalAlert;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates from PEM files: what is refused at start and at reload (expired, a key of another
 * certificate, an unreadable or empty file) with one sentence naming the file, a failed reload
 * keeping the certificates in use, and SNI choosing exact, wildcard and default certificates —
 * the last also through a real handshake, where a name none has gets the default or alert
 * {@code unrecognized_name}, as configured.
 */
class CertificatesTest {
    private static TestPki pki;
    private static KeyPair edgeKey;
    private static KeyPair otherKey;

    @TempDir
    Path dir;

    @BeforeAll
    static void pki() throws Exception {
        pki = new TestPki();
        edgeKey = TestPki.ec();
        otherKey = TestPki.ec();
    }

    private TlsCertificates.Files edge() throws Exception {
        return pki.write(dir, "edge", pki.issue(edgeKey, "edge.test", "*.cdn.test"), edgeKey);
    }

    @Test
    void loadsAChainAndItsNames() throws Exception {
        final ServerCertificate c = PemCertificates.load(edge().certificate(), edge().key(), Instant.now());
        assertEquals(2, c.chain().length, "leaf and CA");
        assertEquals(List.of("edge.test", "*.cdn.test"), c.names());
        assertTrue(c.isEcdsa());
    }

    @Test
    void refusesAnExpiredCertificate() throws Exception {
        final Instant now = Instant.now();
        final TlsCertificates.Files f = pki.write(
                dir,
                "old",
                pki.issue(edgeKey, now.minus(Duration.ofDays(20)), now.minus(Duration.ofDays(1)), "edge.test"),
                edgeKey);
        final CertificateFailure e =
                assertThrows(CertificateFailure.class, () -> PemCertificates.load(f.certificate(), f.key(), now));
        assertTrue(
                e.getMessage().contains(f.certificate().toString())
                        && e.getMessage().contains("expired"),
                e.getMessage());
    }

    @Test
    void refusesAKeyOfAnotherCertificate() throws Exception {
        final TlsCertificates.Files f = pki.write(dir, "mixed", pki.issue(edgeKey, "edge.test"), otherKey);
        final CertificateFailure e = assertThrows(
                CertificateFailure.class, () -> PemCertificates.load(f.certificate(), f.key(), Instant.now()));
        assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
    }

    @Test
    void refusesUnreadableAndEmptyFiles() throws Exception {
        final TlsCertificates.Files f = edge();
        final Path garbage =
                Files.writeString(dir.resolve("garbage.pem"), "-----BEGIN CERTIFICATE-----\nnot base64!\n");
        final Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        final Path missing = dir.resolve("missing.pem");
        for (Path bad : List.of(garbage, empty, missing)) {
            final CertificateFailure e =
                    assertThrows(CertificateFailure.class, () -> PemCertificates.load(bad, f.key(), Instant.now()));
            assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
            final CertificateFailure k = assertThrows(
                    CertificateFailure.class, () -> PemCertificates.load(f.certificate(), bad, Instant.now()));
            assertTrue(k.getMessage().contains(bad.toString()), k.getMessage());
        }
    }

    @Test
    void aFailedReloadKeepsTheCertificatesInUse() throws Exception {
        final TlsCertificates.Files f = edge();
        final TlsCertificates certificates = new TlsCertificates(List.of(f), false, Clock.systemUTC());
        final CertificateStore before = certificates.store();
        Files.writeString(f.key(), "-----BEGIN PRIVATE KEY-----\ntruncated");
        assertThrows(CertificateFailure.class, certificates::reload);
        assertSame(before, certificates.store());
        assertEquals(1, certificates.generation());
        pki.write(dir, "edge", pki.issue(edgeKey, "edge.test"), edgeKey);
        certificates.reload();
        assertEquals(2, certificates.generation());
    }

    @Test
    void sniChoosesExactThenWildcardThenDefault() throws Exception {
        final ServerCertificate first = PemCertificates.load(edge().certificate(), edge().key(), Instant.now());
        final TlsCertificates.Files o =
                pki.write(dir, "other", pki.issue(otherKey, "other.test", "*.edge.test"), otherKey);
        final ServerCertificate second = PemCertificates.load(o.certificate(), o.key(), Instant.now());
        final CertificateStore lenient = new CertificateStore(List.of(first, second), false);
        assertSame(second, lenient.select("OTHER.test"));
        assertSame(second, lenient.select("a.edge.test"));
        assertSame(first, lenient.select("x.cdn.test"));
        assertSame(first, lenient.select("a.b.cdn.test"), "a wildcard covers one label; else the default");
        assertSame(first, lenient.select(null));
        assertSame(first, lenient.select("unknown.test"));
        final CertificateStore strict = new CertificateStore(List.of(first, second), true);
        assertEquals(null, strict.select("unknown.test"));
        assertSame(first, strict.select(null), "no name at all: the default");
    }

    @Test
    void handshakesFollowTheClientsServerName() throws Exception {
        final ServerCertificate first = PemCertificates.load(edge().certificate(), edge().key(), Instant.now());
        final TlsCertificates.Files o = pki.write(dir, "other", pki.issue(otherKey, "other.test"), otherKey);
        final ServerCertificate second = PemCertificates.load(o.certificate(), o.key(), Instant.now());
        final CertificateStore strict = new CertificateStore(List.of(first, second), true);
        final InMemoryHandshake h =
                new InMemoryHandshake(strict, ProtocolVersion.TLSv13, CipherSuite.TLS_AES_128_GCM_SHA256, "other.test");
        assertTrue(java.util.Arrays.equals(second.leaf().getEncoded(), h.serverLeaf.getEncoded()));
        final IOException refused = assertThrows(
                IOException.class,
                () -> new InMemoryHandshake(
                        strict,
                        ProtocolVersion.TLSv12,
                        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                        "nobody.test"));
        assertTrue(
                refused instanceof TlsFatalAlert alert
                                && alert.getAlertDescription() == AlertDescription.unrecognized_name
                        || String.valueOf(refused.getMessage()).contains("unrecognized_name"),
                refused.toString());
    }
}
