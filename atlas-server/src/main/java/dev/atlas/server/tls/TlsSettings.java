package dev.atlas.server.tls;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * How a server speaks HTTPS: the port, the certificates (shared by every lane, reloadable), the
 * sealing engine each lane gets, and the handshake work a lane may do per pass.
 *
 * @param port                    the HTTPS port (HTTP keeps its own)
 * @param certificates            the certificates, chosen per handshake by SNI
 * @param sealer                  the sealing engine's name: {@code sunjce}, {@code openssl}, or {@code auto} (the
 *                                faster of the two on this machine, measured once)
 * @param handshakeRecordsPerPass handshake records Bouncy Castle may process per lane pass
 */
public record TlsSettings(int port, TlsCertificates certificates, String sealer, int handshakeRecordsPerPass) {
    /** Default handshake budget: a few ECDHE + signature computations (about a millisecond each) per pass. */
    public static final int DEFAULT_HANDSHAKE_RECORDS_PER_PASS = 4;
    /** Retained bytes per connection a TLS lane needs: the server's handshake flight with a certificate chain. */
    public static final int RETAINED_BYTES_PER_CONNECTION = 16 * 1024;

    public TlsSettings {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the HTTPS port must be between 1 and 65535, not " + port);
        }
        if (handshakeRecordsPerPass < 1) {
            throw new IllegalArgumentException("the handshake budget must be at least one record per pass");
        }
        sealerFactory(sealer); // refuses an unknown name now rather than at the first lane
    }

    /** Which engine {@code auto} chose and the speeds it measured, or the engine named; for the start-up line. */
    public String sealerReport() {
        return "auto".equalsIgnoreCase(sealer) && SealerChoice.report() != null ? SealerChoice.report() : sealer;
    }

    /** A new sealing engine for one lane. */
    public RecordSealer newSealer() {
        return sealerFactory(sealer).get();
    }

    private static Supplier<RecordSealer> sealerFactory(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "sunjce" -> SunJceSealer::new;
            case "openssl" -> {
                if (!OpenSslSealer.isAvailable()) {
                    throw new IllegalArgumentException(
                            "--sealer openssl needs libcrypto.so.3 (OpenSSL 3), which is not installed");
                }
                yield OpenSslSealer::new;
            }
            case "auto" -> SealerChoice.fastest();
            default ->
                throw new IllegalArgumentException("--sealer must be auto, sunjce or openssl, not '" + name + "'");
        };
    }
}
