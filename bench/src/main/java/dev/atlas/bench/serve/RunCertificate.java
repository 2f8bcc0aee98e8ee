package dev.atlas.bench.serve;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The one certificate both HTTPS servers of a run present: an ECDSA P-256 key signed by a CA made
 * for this run, naming every server address as an IP subject alternative name, so a client that
 * trusts the CA verifies either server without DNS. Both servers then do the same signature work
 * per handshake and send the same chain (their certificate, then the CA's).
 *
 * @param caCertificate the CA's certificate, for the clients to trust
 * @param chain         the server's certificate followed by the CA's (PEM)
 * @param key           the server's private key (PKCS#8 PEM)
 */
record RunCertificate(Path caCertificate, Path chain, Path key) {
    private static final Duration VALIDITY = Duration.ofDays(2);

    /** Makes the CA and the server certificate for {@code addresses} and writes the three PEM files in {@code dir}. */
    static RunCertificate make(Path dir, List<String> addresses) throws IOException {
        try {
            Files.createDirectories(dir);
            final Instant now = Instant.now();
            // A few minutes back, so a client whose clock is slightly behind still accepts it.
            final Date from = Date.from(now.minus(Duration.ofMinutes(5)));
            final Date until = Date.from(now.plus(VALIDITY));
            final KeyPair caKey = p256();
            final X500Name caName = new X500Name("CN=Atlas bench serve CA");
            final JcaX509v3CertificateBuilder ca =
                    new JcaX509v3CertificateBuilder(caName, BigInteger.ONE, from, until, caName, caKey.getPublic());
            ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            ca.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign));
            final X509Certificate caCert = sign(ca, caKey);

            final KeyPair serverKey = p256();
            final JcaX509v3CertificateBuilder server = new JcaX509v3CertificateBuilder(
                    caName,
                    BigInteger.TWO,
                    from,
                    until,
                    new X500Name("CN=" + addresses.getFirst()),
                    serverKey.getPublic());
            server.addExtension(
                    Extension.subjectAlternativeName,
                    false,
                    new GeneralNames(addresses.stream()
                            .map(a -> new GeneralName(GeneralName.iPAddress, a))
                            .toArray(GeneralName[]::new)));
            server.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            final X509Certificate serverCert = sign(server, caKey);

            final RunCertificate files =
                    new RunCertificate(dir.resolve("ca.crt"), dir.resolve("server.crt"), dir.resolve("server.key"));
            Files.writeString(files.caCertificate(), pem(caCert), StandardCharsets.US_ASCII);
            Files.writeString(files.chain(), pem(serverCert) + pem(caCert), StandardCharsets.US_ASCII);
            Files.writeString(
                    files.key(), pem(new JcaPKCS8Generator(serverKey.getPrivate(), null)), StandardCharsets.US_ASCII);
            return files;
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("could not make the run's test certificate in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static KeyPair p256() throws GeneralSecurityException {
        final KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder builder, KeyPair issuer)
            throws GeneralSecurityException, OperatorCreationException {
        return new JcaX509CertificateConverter()
                .getCertificate(
                        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate())));
    }

    private static String pem(Object o) throws IOException {
        final StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(o);
        }
        return text.toString();
    }
}
