package dev.atlas.server.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throwaway CA and server certificates for the TLS tests, written as PEM files. */
final class TestPki {
    final KeyPair caKey;
    final X509Certificate ca;
    private long serial = 2;

    TestPki() throws Exception {
        caKey = ec();
        final Instant now = Instant.now();
        final X500Name name = new X500Name("CN=Atlas Test CA");
        final JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                name,
                BigInteger.ONE,
                Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(30))),
                name,
                caKey.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        ca = new JcaX509CertificateConverter()
                .getCertificate(
                        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
    }

    static KeyPair ec() throws Exception {
        final KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    static KeyPair rsa() throws Exception {
        final KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    /** A server certificate for {@code names}, signed by the CA, valid from {@code from} to {@code until}. */
    X509Certificate issue(KeyPair key, Instant from, Instant until, String... names) throws Exception {
        final JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                new X500Name("CN=Atlas Test CA"),
                BigInteger.valueOf(serial++),
                Date.from(from),
                Date.from(until),
                new X500Name("CN=" + names[0]),
                key.getPublic());
        final GeneralName[] alternatives = new GeneralName[names.length];
        for (int i = 0; i < names.length; i++) {
            alternatives[i] = new GeneralName(GeneralName.dNSName, names[i]);
        }
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(alternatives));
        return new JcaX509CertificateConverter()
                .getCertificate(
                        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
    }

    X509Certificate issue(KeyPair key, String... names) throws Exception {
        final Instant now = Instant.now();
        return issue(key, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(10)), names);
    }

    /** Writes the chain (leaf, then CA) and the key; returns the pair of files. */
    TlsCertificates.Files write(Path dir, String stem, X509Certificate leaf, KeyPair key) throws IOException {
        final Path cert = dir.resolve(stem + ".crt");
        final Path keyFile = dir.resolve(stem + ".key");
        Files.writeString(cert, pem(leaf) + pem(ca), StandardCharsets.US_ASCII);
        Files.writeString(
                keyFile,
                pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key.getPrivate(), null)),
                StandardCharsets.US_ASCII);
        return new TlsCertificates.Files(cert, keyFile);
    }

    static String pem(Object o) throws IOException {
        final StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }
}
