package dev.atlas.server.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.util.Hashtable;
import java.util.Vector;
import org.bouncycastle.tls.AbstractTlsServer;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateEntry;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.NameType;
import org.bouncycastle.tls.ProtocolName;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.ServerName;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.SignatureScheme;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCertificate;

/**
 * What Bouncy Castle asks of a server during one handshake: TLS 1.3 and 1.2, AES-GCM suites
 * only (the record layer after the handshake is ours and speaks nothing else), ALPN
 * {@code http/1.1}, the certificate chosen by the client's server name, and the moment the
 * handshake completes (when {@link TlsSession} takes the keys over).
 */
final class HandshakeServer extends AbstractTlsServer {
    private static final int[] SUITES_13 = {CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384};
    private static final int[] SUITES_ECDSA = {
        CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
    };
    private static final int[] SUITES_RSA = {
        CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
    };

    private final HandshakeCrypto crypto;
    private final CertificateStore store;
    private final TlsSession session;
    private ServerCertificate chosen;
    private String serverName;

    HandshakeServer(HandshakeCrypto crypto, CertificateStore store, TlsSession session) {
        super(crypto);
        this.crypto = crypto;
        this.store = store;
        this.session = session;
    }

    @Override
    protected ProtocolVersion[] getSupportedVersions() {
        return ProtocolVersion.TLSv13.downTo(ProtocolVersion.TLSv12);
    }

    /**
     * Our order decides, not the client's: AES-128-GCM first (a third fewer AES rounds than
     * AES-256, and OpenSSL clients such as curl and wrk list AES-256 first).
     */
    @Override
    protected boolean preferLocalCipherSuites() {
        return true;
    }

    @Override
    protected int[] getSupportedCipherSuites() {
        return SUITES_13;
    }

    /** The suites the chosen certificate can serve (its key type decides TLS 1.2's). */
    @Override
    public int[] getCipherSuites() {
        if (chosen == null) {
            return SUITES_13;
        }
        return chosen.isEcdsa() ? SUITES_ECDSA : SUITES_RSA;
    }

    @Override
    protected Vector getProtocolNames() {
        final Vector<ProtocolName> names = new Vector<>();
        names.add(ProtocolName.HTTP_1_1);
        return names;
    }

    @Override
    public void processClientExtensions(Hashtable clientExtensions) throws IOException {
        super.processClientExtensions(clientExtensions);
        final Vector<?> names = org.bouncycastle.tls.TlsExtensionsUtils.getServerNameExtensionClient(clientExtensions);
        if (names != null) {
            for (Object o : names) {
                if (o instanceof ServerName name && name.getNameType() == NameType.host_name) {
                    serverName = new String(name.getNameData(), StandardCharsets.US_ASCII);
                }
            }
        }
        chosen = store.select(serverName);
        if (chosen == null) {
            throw new TlsFatalAlert(AlertDescription.unrecognized_name, "no certificate for " + serverName);
        }
    }

    @Override
    public TlsCredentials getCredentials() throws IOException {
        if (chosen == null) {
            chosen = store.select(null);
        }
        final boolean tls13 = TlsUtils.isTLSv13(context);
        final SignatureAndHashAlgorithm algorithm = signatureAlgorithm(chosen, tls13);
        final Certificate certificate = certificate(chosen, tls13);
        final TlsCredentialedSigner signer = new JcaDefaultTlsCredentialedSigner(
                new TlsCryptoParameters(context), crypto, chosen.key(), certificate, algorithm);
        return signer;
    }

    private SignatureAndHashAlgorithm signatureAlgorithm(ServerCertificate c, boolean tls13) {
        if (c.isEcdsa()) {
            final int bits = ((ECKey) c.key()).getParams().getCurve().getField().getFieldSize();
            final int scheme =
                    bits > 256 ? SignatureScheme.ecdsa_secp384r1_sha384 : SignatureScheme.ecdsa_secp256r1_sha256;
            return SignatureScheme.getSignatureAndHashAlgorithm(scheme);
        }
        if (tls13) {
            return SignatureAndHashAlgorithm.rsa_pss_rsae_sha256;
        }
        return SignatureScheme.getSignatureAndHashAlgorithm(SignatureScheme.rsa_pkcs1_sha256);
    }

    private Certificate certificate(ServerCertificate c, boolean tls13) {
        final X509Certificate[] chain = c.chain();
        if (tls13) {
            final CertificateEntry[] entries = new CertificateEntry[chain.length];
            for (int i = 0; i < chain.length; i++) {
                entries[i] = new CertificateEntry(new JcaTlsCertificate(crypto, chain[i]), null);
            }
            return new Certificate(TlsUtils.EMPTY_BYTES, entries);
        }
        final TlsCertificate[] certificates = new TlsCertificate[chain.length];
        for (int i = 0; i < chain.length; i++) {
            certificates[i] = new JcaTlsCertificate(crypto, chain[i]);
        }
        return new Certificate(certificates);
    }

    @Override
    public void notifyHandshakeComplete() throws IOException {
        super.notifyHandshakeComplete();
        session.handshakeCompleted(context, crypto);
    }

    @Override
    public void notifyAlertRaised(short alertLevel, short alertDescription, String message, Throwable cause) {
        session.alertSent(alertDescription);
    }

    @Override
    public void notifyAlertReceived(short alertLevel, short alertDescription) {
        session.alertReceived(alertDescription);
    }

    /** The server name the client asked for, or null. */
    String serverName() {
        return serverName;
    }
}
