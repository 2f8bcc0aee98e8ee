package dev.atlas.server.tls;

/** A certificate or key the server cannot use; the message is one sentence for the operator. */
public final class CertificateFailure extends RuntimeException {
    public CertificateFailure(String message) {
        super(message);
    }
}
