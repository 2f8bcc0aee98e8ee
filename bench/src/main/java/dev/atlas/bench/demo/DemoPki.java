package dev.atlas.bench.demo;

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
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The demo's own little PKI for {@code --tls}: a CA made for this run and an ECDSA P-256
 * certificate it signs for the server's address (as an IP subject alternative name, so clients
 * verify it without DNS), both valid for a day, written as PEM files.
 *
 * @param caCertificate the CA's certificate, for the clients to trust
 * @param certificate   the server's chain (its certificate, then the CA's)
 * @param key           the server's private key (PKCS#8)
 */
record DemoPki(Path caCertificate, Path certificate, Path key) {
    static DemoPki make(Path dir, String serverAddress) throws IOException {
        try {
            Files.createDirectories(dir);
            final Instant now = Instant.now();
            final Date from = Date.from(now.minus(Duration.ofMinutes(5)));
            final Date until = Date.from(now.plus(Duration.ofDays(1)));
            final KeyPair caKey = ecKey();
            final X500Name caName = new X500Name("CN=Atlas demo CA");
            final JcaX509v3CertificateBuilder ca =
                    new JcaX509v3CertificateBuilder(caName, BigInteger.ONE, from, until, caName, caKey.getPublic());
            ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            ca.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign));
            final X509Certificate caCert = certificate(ca, caKey);
            final KeyPair serverKey = ecKey();
            final JcaX509v3CertificateBuilder server = new JcaX509v3CertificateBuilder(
                    caName, BigInteger.TWO, from, until, new X500Name("CN=" + serverAddress), serverKey.getPublic());
            server.addExtension(
                    Extension.subjectAlternativeName,
                    false,
                    new GeneralNames(new GeneralName(GeneralName.iPAddress, serverAddress)));
            final X509Certificate serverCert = certificate(server, caKey);
            final DemoPki pki =
                    new DemoPki(dir.resolve("ca.crt"), dir.resolve("server.crt"), dir.resolve("server.key"));
            Files.writeString(pki.caCertificate(), pem(caCert), StandardCharsets.US_ASCII);
            Files.writeString(pki.certificate(), pem(serverCert) + pem(caCert), StandardCharsets.US_ASCII);
            Files.writeString(
                    pki.key(), pem(new JcaPKCS8Generator(serverKey.getPrivate(), null)), StandardCharsets.US_ASCII);
            return pki;
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new DemoFailure("could not make the demo's certificates: " + e.getMessage(), e);
        }
    }

    private static KeyPair ecKey() throws GeneralSecurityException {
        final KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate certificate(JcaX509v3CertificateBuilder builder, KeyPair issuer)
            throws GeneralSecurityException, org.bouncycastle.operator.OperatorCreationException {
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
