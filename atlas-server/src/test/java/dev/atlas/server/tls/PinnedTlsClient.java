package dev.atlas.server.tls;

import java.nio.charset.StandardCharsets;
import java.util.Vector;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.NameType;
import org.bouncycastle.tls.ProtocolName;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.ServerName;
import org.bouncycastle.tls.ServerOnlyTlsAuthentication;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.crypto.TlsCrypto;

/**
 * A Bouncy Castle client held to one protocol version and one cipher suite, offering ALPN
 * {@code http/1.1} and, given a name, SNI. It accepts any server certificate (the tests check the
 * handshake's signature, or the leaf, which it keeps). Test code only.
 */
class PinnedTlsClient extends DefaultTlsClient {
    private final ProtocolVersion version;
    private final int suite;
    private final String serverName;
    /** The server's leaf certificate, once it has been received. */
    org.bouncycastle.tls.crypto.TlsCertificate serverLeaf;

    PinnedTlsClient(TlsCrypto crypto, ProtocolVersion version, int suite, String serverName) {
        super(crypto);
        this.version = version;
        this.suite = suite;
        this.serverName = serverName;
    }

    @Override
    protected ProtocolVersion[] getSupportedVersions() {
        return new ProtocolVersion[] {version};
    }

    @Override
    protected int[] getSupportedCipherSuites() {
        return new int[] {suite};
    }

    @Override
    protected Vector getProtocolNames() {
        final Vector<ProtocolName> names = new Vector<>();
        names.add(ProtocolName.HTTP_1_1);
        return names;
    }

    @Override
    protected Vector getSNIServerNames() {
        if (serverName == null) {
            return null;
        }
        final Vector<ServerName> names = new Vector<>();
        names.add(new ServerName(NameType.host_name, serverName.getBytes(StandardCharsets.US_ASCII)));
        return names;
    }

    @Override
    public TlsAuthentication getAuthentication() {
        return new ServerOnlyTlsAuthentication() {
            @Override
            public void notifyServerCertificate(TlsServerCertificate certificate) {
                serverLeaf = certificate.getCertificate().getCertificateAt(0);
            }
        };
    }
}
