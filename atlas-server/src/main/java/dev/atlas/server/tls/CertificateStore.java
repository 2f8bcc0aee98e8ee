package dev.atlas.server.tls;

import java.util.List;
import java.util.Locale;

/**
 * The certificates a server presents, chosen per handshake by the client's server name (SNI):
 * an exact name first, then a wildcard, then — for a name none has, or no name at all — the
 * first certificate configured (the default), unless the store was told to refuse unknown
 * names. Immutable: a reload builds a new store and swaps it in whole.
 */
public final class CertificateStore {
    private final List<ServerCertificate> certificates;
    private final boolean refuseUnknownNames;

    public CertificateStore(List<ServerCertificate> certificates, boolean refuseUnknownNames) {
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("HTTPS needs at least one certificate (--tls-cert and --tls-key)");
        }
        this.certificates = List.copyOf(certificates);
        this.refuseUnknownNames = refuseUnknownNames;
    }

    public List<ServerCertificate> certificates() {
        return certificates;
    }

    /**
     * The certificate for {@code serverName} (null or empty: the client named none), or null when
     * the name is unknown and unknown names are refused.
     */
    public ServerCertificate select(String serverName) {
        if (serverName == null || serverName.isEmpty()) {
            return certificates.getFirst();
        }
        final String host = serverName.toLowerCase(Locale.ROOT);
        for (ServerCertificate c : certificates) {
            if (c.matchesExactly(host)) {
                return c;
            }
        }
        for (ServerCertificate c : certificates) {
            if (c.matchesWildcard(host)) {
                return c;
            }
        }
        return refuseUnknownNames ? null : certificates.getFirst();
    }
}
