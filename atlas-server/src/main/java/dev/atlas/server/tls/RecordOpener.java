package dev.atlas.server.tls;

import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Decrypts and authenticates the records a client sends after the handshake (requests, alerts,
 * key updates), in place in the connection's input array, with the JDK's AES-GCM. Requests are
 * small next to responses, so this side is not worth a second engine. One per lane.
 */
final class RecordOpener {
    /** What {@link #open} returns for a record that fails authentication. */
    static final int BAD_RECORD = -1;

    private static final int TAG_BITS = RecordFormat.TAG_BYTES * Byte.SIZE;
    private final Cipher gcm;
    private final byte[] nonce = new byte[RecordFormat.NONCE_BYTES];
    private final byte[] aad = new byte[RecordFormat.AAD_12_BYTES];

    RecordOpener() {
        try {
            this.gcm = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK offers no AES-GCM: " + e.getMessage(), e);
        }
    }

    /**
     * Opens the record of {@code recordLength} bytes (header included) at {@code buf[at]} with
     * sequence number {@code seq}. The plaintext lands at {@code buf[at + prefix]}; returns its
     * length (for TLS 1.3 the inner plaintext: content, content type, padding) or
     * {@link #BAD_RECORD}.
     */
    int open(TrafficKeys keys, long seq, byte[] buf, int at, int recordLength) {
        final boolean tls13 = keys.tls13();
        final int prefix = RecordFormat.prefix(tls13);
        final int sealedLength = recordLength - prefix;
        if (sealedLength < RecordFormat.TAG_BYTES) {
            return BAD_RECORD;
        }
        keys.nonce(seq, nonce, 0);
        final int aadLength;
        if (tls13) {
            System.arraycopy(buf, at, aad, 0, RecordFormat.HEADER_BYTES);
            aadLength = RecordFormat.HEADER_BYTES;
        } else {
            // The explicit nonce is whatever the client sent; the salt stays in front.
            System.arraycopy(
                    buf,
                    at + RecordFormat.HEADER_BYTES,
                    nonce,
                    RecordFormat.SALT_BYTES,
                    RecordFormat.EXPLICIT_NONCE_BYTES);
            aadLength = SealedBodies.additionalData12(
                    aad, seq, buf[at + RecordFormat.TYPE_OFFSET], sealedLength - RecordFormat.TAG_BYTES);
        }
        try {
            gcm.init(Cipher.DECRYPT_MODE, keys.key(), new GCMParameterSpec(TAG_BITS, nonce));
            gcm.updateAAD(aad, 0, aadLength);
            return gcm.doFinal(buf, at + prefix, sealedLength, buf, at + prefix);
        } catch (AEADBadTagException e) {
            return BAD_RECORD;
        } catch (GeneralSecurityException e) {
            return BAD_RECORD;
        }
    }
}
