package dev.atlas.server.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPublicKeySpec;
import javax.crypto.KeyAgreement;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.crypto.TlsAgreement;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;
import org.junit.jupiter.api.Test;

/**
 * The handshake's X25519 in OpenSSL agrees with the JDK's on the same secret from either side,
 * and refuses peer values that are not one (wrong length, or of small order: the all-zero secret).
 */
class OpenSslX25519Test {
    private static void requireOpenSsl() {
        assertTrue(
                LibCrypto.isAvailable(),
                "libcrypto.so.3 is not installed (./atlas test installs openssl, which brings it)");
    }

    @Test
    void agreesWithTheJdkFromEitherSide() throws Exception {
        requireOpenSsl();
        final SecureRandom random = new SecureRandom();
        final JcaTlsCrypto crypto = (JcaTlsCrypto) new JcaTlsCryptoProvider().create(random);
        final KeyPairGenerator generator = KeyPairGenerator.getInstance("X25519");
        for (int i = 0; i < 50; i++) {
            final TlsAgreement ours = new OpenSslX25519(crypto).createECDH();
            final byte[] ourPublic = ours.generateEphemeral();
            assertEquals(32, ourPublic.length);
            final KeyPair theirs = generator.generateKeyPair();
            ours.receivePeerValue(rawPublic(theirs));
            final byte[] ourSecret = ours.calculateSecret().extract();

            final KeyAgreement jdk = KeyAgreement.getInstance("X25519");
            jdk.init(theirs.getPrivate());
            jdk.doPhase(publicKey(ourPublic), true);
            assertArrayEquals(jdk.generateSecret(), ourSecret, "the JDK derives the same secret");
        }
    }

    @Test
    void refusesPeerValuesThatAreNotAKey() throws Exception {
        requireOpenSsl();
        final JcaTlsCrypto crypto = (JcaTlsCrypto) new JcaTlsCryptoProvider().create(new SecureRandom());
        final TlsAgreement shortValue = new OpenSslX25519(crypto).createECDH();
        shortValue.generateEphemeral();
        final TlsFatalAlert tooShort =
                assertThrows(TlsFatalAlert.class, () -> shortValue.receivePeerValue(new byte[31]));
        assertEquals(AlertDescription.illegal_parameter, tooShort.getAlertDescription());

        // u = 0 is of small order: every private key gives the all-zero secret.
        final TlsAgreement zero = new OpenSslX25519(crypto).createECDH();
        zero.generateEphemeral();
        zero.receivePeerValue(new byte[32]);
        final TlsFatalAlert smallOrder = assertThrows(TlsFatalAlert.class, zero::calculateSecret);
        assertEquals(AlertDescription.illegal_parameter, smallOrder.getAlertDescription());
    }

    /** The RFC 7748 little-endian u-coordinate of a JDK public key. */
    private static byte[] rawPublic(KeyPair pair) {
        final BigInteger u = ((java.security.interfaces.XECPublicKey) pair.getPublic()).getU();
        final byte[] bigEndian = u.toByteArray();
        final byte[] little = new byte[32];
        for (int i = 0; i < Math.min(32, bigEndian.length); i++) {
            little[i] = bigEndian[bigEndian.length - 1 - i];
        }
        return little;
    }

    private static java.security.PublicKey publicKey(byte[] littleEndian) throws Exception {
        final byte[] bigEndian = new byte[littleEndian.length];
        for (int i = 0; i < littleEndian.length; i++) {
            bigEndian[i] = littleEndian[littleEndian.length - 1 - i];
        }
        return KeyFactory.getInstance("X25519")
                .generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, bigEndian)));
    }
}
