package dev.atlas.server.tls;

/**
 * The TLS record as it appears on the wire (RFC 8446 §5, RFC 5246 §6.2, RFC 5288): named sizes
 * and content types, and the per-version overhead of an AES-GCM record.
 */
public final class RecordFormat {
    /** Header: content type (1), legacy version (2), length (2). */
    public static final int HEADER_BYTES = 5;

    public static final int TYPE_OFFSET = 0;
    public static final int VERSION_OFFSET = 1;
    public static final int LENGTH_OFFSET = 3;
    /** Largest plaintext of one record (2^14). */
    public static final int MAX_PLAINTEXT = 16 * 1024;
    /** Largest ciphertext a TLS 1.2 peer may send us (2^14 + 2048); also the handshake's plausibility bound. */
    public static final int MAX_CIPHERTEXT = MAX_PLAINTEXT + 2048;
    /** Largest ciphertext a TLS 1.3 peer may send us (2^14 + 256, RFC 8446 §5.2). */
    public static final int MAX_CIPHERTEXT_13 = MAX_PLAINTEXT + 256;
    /** Largest TLS 1.3 inner plaintext (content, content type, padding): 2^14 + 1 (RFC 8446 §5.4). */
    public static final int MAX_INNER_PLAINTEXT_13 = MAX_PLAINTEXT + 1;

    public static final int TAG_BYTES = 16;
    /** TLS 1.2 GCM: the explicit part of the nonce, sent in front of the ciphertext. */
    public static final int EXPLICIT_NONCE_BYTES = 8;

    public static final int NONCE_BYTES = 12;
    /** TLS 1.2 GCM: the implicit part of the nonce (the salt from the key block). */
    public static final int SALT_BYTES = 4;
    /** TLS 1.2 additional data: seq (8), type (1), version (2), length (2). */
    public static final int AAD_12_BYTES = 13;

    public static final byte CHANGE_CIPHER_SPEC = 20;
    public static final byte ALERT = 21;
    public static final byte HANDSHAKE = 22;
    public static final byte APPLICATION_DATA = 23;

    /** The legacy record version every record after the ClientHello carries (TLS 1.2, 0x0303). */
    public static final int LEGACY_VERSION = 0x0303;

    /** Record overhead beyond the plaintext: TLS 1.3 adds the inner content type and the tag. */
    public static final int OVERHEAD_13 = HEADER_BYTES + 1 + TAG_BYTES;
    /** TLS 1.2 GCM: the explicit nonce and the tag. */
    public static final int OVERHEAD_12 = HEADER_BYTES + EXPLICIT_NONCE_BYTES + TAG_BYTES;

    /** Bytes from the record's start to its first encrypted byte. */
    public static int prefix(boolean tls13) {
        return tls13 ? HEADER_BYTES : HEADER_BYTES + EXPLICIT_NONCE_BYTES;
    }

    /** Largest record body (after the header) a peer may send once the handshake is done. */
    public static int maxCiphertext(boolean tls13) {
        return tls13 ? MAX_CIPHERTEXT_13 : MAX_CIPHERTEXT;
    }

    /** Largest decrypted record a peer may send: TLS 1.3's inner plaintext, TLS 1.2's plaintext. */
    public static int maxOpened(boolean tls13) {
        return tls13 ? MAX_INNER_PLAINTEXT_13 : MAX_PLAINTEXT;
    }

    /** Whole-record overhead for the version. */
    public static int overhead(boolean tls13) {
        return tls13 ? OVERHEAD_13 : OVERHEAD_12;
    }

    private RecordFormat() {}
}
