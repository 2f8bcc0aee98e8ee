package dev.atlas.server.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * One certificate the server presents: its chain (leaf first), its private key and the host
 * names it answers for (its DNS subject alternative names, or its common name when it has none),
 * exact or wildcard ({@code *.example.com}, one label deep).
 */
public record ServerCertificate(X509Certificate[] chain, PrivateKey key, List<String> names, String source) {
    public ServerCertificate {
        if (chain.length == 0) {
            throw new IllegalArgumentException("a certificate chain needs at least the server's certificate");
        }
        names = names.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
    }

    public X509Certificate leaf() {
        return chain[0];
    }

    /** True for an elliptic-curve (ECDSA) key, false for RSA. */
    public boolean isEcdsa() {
        return key instanceof ECKey;
    }

    public boolean isRsa() {
        return key instanceof RSAKey;
    }

    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }

    /** Whether {@code host} (lower case) is one of this certificate's names, exactly. */
    boolean matchesExactly(String host) {
        return names.contains(host);
    }

    /** Whether {@code host} (lower case) matches one of this certificate's wildcard names. */
    boolean matchesWildcard(String host) {
        final int dot = host.indexOf('.');
        if (dot <= 0) {
            return false;
        }
        final String parent = host.substring(dot);
        for (String name : names) {
            if (name.startsWith("*.") && name.substring(1).equals(parent)) {
                return true;
            }
        }
        return false;
    }
}
