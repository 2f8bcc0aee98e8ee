package dev.atlas.bench.tls;

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
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throwaway certificate authority for the HTTPS tests: its certificate as a PEM file clients trust, and server certificates it signs. */
final class TestCa {
    private static final X500Name NAME = new X500Name("CN=Atlas Interop Test CA");
    private final KeyPair key;
    private final X509Certificate certificate;
    private final Path dir;
    private long serial = 2;

    TestCa(Path dir) throws Exception {
        this.dir = Files.createDirectories(dir);
        this.key = ec();
        final Instant now = Instant.now();
        final JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                NAME,
                BigInteger.ONE,
                Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(7))),
                NAME,
                key.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        this.certificate = new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
        Files.writeString(caFile(), pem(certificate), StandardCharsets.US_ASCII);
    }

    Path caFile() {
        return dir.resolve("ca.crt");
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

    /** The files of one server certificate: the chain (leaf, CA) and the key. */
    record Issued(Path certificate, Path key) {}

    /** Issues a certificate for {@code names} (valid from {@code from} to {@code until}) to {@code serverKey}, as {@code stem}.crt/.key. */
    Issued issue(String stem, KeyPair serverKey, Instant from, Instant until, String... names) throws Exception {
        final JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                NAME,
                BigInteger.valueOf(serial++),
                Date.from(from),
                Date.from(until),
                new X500Name("CN=" + names[0]),
                serverKey.getPublic());
        final GeneralName[] alternatives = new GeneralName[names.length];
        for (int i = 0; i < names.length; i++) {
            alternatives[i] = new GeneralName(GeneralName.dNSName, names[i]);
        }
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(alternatives));
        final X509Certificate leaf = new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
        final Path cert = dir.resolve(stem + ".crt");
        final Path keyFile = dir.resolve(stem + ".key");
        Files.writeString(cert, pem(leaf) + pem(certificate), StandardCharsets.US_ASCII);
        Files.writeString(
                keyFile,
                pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(serverKey.getPrivate(), null)),
                StandardCharsets.US_ASCII);
        return new Issued(cert, keyFile);
    }

    Issued issue(String stem, KeyPair serverKey, String... names) throws Exception {
        final Instant now = Instant.now();
        return issue(stem, serverKey, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(7)), names);
    }

    private static String pem(Object o) throws IOException {
        final StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }
}
