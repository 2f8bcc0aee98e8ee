package dev.atlas.server.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Reads a certificate chain and its private key from PEM files (what certbot, openssl and most
 * CAs hand out: the chain leaf first, the key as PKCS#8 or the traditional RSA/EC forms) and
 * checks them before the server uses them: the files are readable PEM, the leaf is within its
 * validity period, the key is RSA or ECDSA, and the key belongs to the certificate (a test
 * signature verifies). Every refusal is one sentence naming the file and what to do.
 */
public final class PemCertificates {
    private static final byte[] PROBE = "atlas key check".getBytes(StandardCharsets.US_ASCII);
    private static final int SAN_DNS = 2;

    private PemCertificates() {}

    /** Loads and checks one certificate chain and key, as of {@code now}. */
    public static ServerCertificate load(Path certFile, Path keyFile, Instant now) {
        final X509Certificate[] chain = readChain(certFile);
        final PrivateKey key = readKey(keyFile);
        final X509Certificate leaf = chain[0];
        if (now.isAfter(leaf.getNotAfter().toInstant())) {
            throw new CertificateFailure("The certificate in " + certFile + " expired on "
                    + leaf.getNotAfter().toInstant() + "; install a renewed certificate and key.");
        }
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            throw new CertificateFailure("The certificate in " + certFile + " is not valid before "
                    + leaf.getNotBefore().toInstant() + "; check the system clock or the certificate.");
        }
        final String algorithm = key.getAlgorithm();
        if (!algorithm.equals("RSA") && !algorithm.equals("EC")) {
            throw new CertificateFailure(
                    "The key in " + keyFile + " is " + algorithm + "; Atlas serves RSA or ECDSA certificates only.");
        }
        if (!keyMatches(key, leaf)) {
            throw new CertificateFailure("The key in " + keyFile + " does not belong to the certificate in " + certFile
                    + "; give the key the certificate was issued for.");
        }
        return new ServerCertificate(chain, key, names(leaf, certFile), certFile.toString());
    }

    private static X509Certificate[] readChain(Path file) {
        final List<X509Certificate> chain = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser pem = new PEMParser(reader)) {
            final JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
            Object o;
            while ((o = pem.readObject()) != null) {
                if (o instanceof X509CertificateHolder holder) {
                    chain.add(converter.getCertificate(holder));
                }
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            throw new CertificateFailure("Cannot read a PEM certificate chain from " + file + " (" + e.getMessage()
                    + "); give a readable file with -----BEGIN CERTIFICATE----- blocks, the server's own first.");
        }
        if (chain.isEmpty()) {
            throw new CertificateFailure("No certificate found in " + file
                    + "; give a PEM file with -----BEGIN CERTIFICATE----- blocks, the server's own first.");
        }
        return chain.toArray(X509Certificate[]::new);
    }

    private static PrivateKey readKey(Path file) {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser pem = new PEMParser(reader)) {
            final JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            Object o;
            while ((o = pem.readObject()) != null) {
                if (o instanceof PEMKeyPair pair) {
                    // Traditional RSA/EC form (openssl's default for EC); its public half may be absent.
                    return pair.getPublicKeyInfo() != null
                            ? converter.getKeyPair(pair).getPrivate()
                            : converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new CertificateFailure("Cannot read a PEM private key from " + file + " (" + e.getMessage()
                    + "); give a readable, unencrypted PEM key file.");
        }
        throw new CertificateFailure("No private key found in " + file
                + "; give an unencrypted PEM key (-----BEGIN PRIVATE KEY-----, RSA or EC).");
    }

    private static boolean keyMatches(PrivateKey key, X509Certificate leaf) {
        try {
            final String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            final Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key, new SecureRandom());
            signer.update(PROBE);
            final byte[] signature = signer.sign();
            final Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(PROBE);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** DNS subject alternative names, or the common name when there are none. */
    private static List<String> names(X509Certificate leaf, Path file) {
        final List<String> names = new ArrayList<>();
        try {
            final Collection<List<?>> alternatives = leaf.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> entry : alternatives) {
                    if (entry.size() >= 2 && entry.get(0) instanceof Integer type && type == SAN_DNS) {
                        names.add(entry.get(1).toString());
                    }
                }
            }
            if (names.isEmpty()) {
                for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
                    if (rdn.getType().equalsIgnoreCase("CN")) {
                        names.add(rdn.getValue().toString());
                    }
                }
            }
        } catch (CertificateException | InvalidNameException e) {
            throw new CertificateFailure(
                    "Cannot read the names of the certificate in " + file + " (" + e.getMessage() + ").");
        }
        return names;
    }
}
