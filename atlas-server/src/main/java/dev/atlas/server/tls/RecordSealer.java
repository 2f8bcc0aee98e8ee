package dev.atlas.server.tls;

import java.lang.foreign.MemorySegment;

/**
 * An AES-GCM engine that seals TLS records in place in its own staging area. The record layer
 * puts a record's plaintext into {@link #staging()}, asks for {@link #seal} (ciphertext over the
 * plaintext, the tag right behind it) or, for a slice of a record whose tag is not needed,
 * {@link #encryptSlice} (AES-CTR from the counter of the slice's first byte: the same bytes as
 * the GCM ciphertext there), and copies the result where it goes.
 *
 * <p>Engines are tested against each other and against Bouncy Castle's record protection. One
 * per lane, lane thread only.
 */
public interface RecordSealer {
    /** Room in the staging area: a full record's plaintext, TLS 1.3's content type and the tag, with slack. */
    int STAGING_BYTES = RecordFormat.MAX_PLAINTEXT + 256;

    /** Where plaintext is put and sealed; {@link #STAGING_BYTES} long. */
    MemorySegment staging();

    /**
     * Encrypts {@code length} staged bytes from {@code at} in place with the nonce of record
     * {@code seq} and authenticates them with {@code aad[0, aadLength)}; the 16-byte tag goes
     * to {@code at + length}.
     */
    void seal(TrafficKeys keys, long seq, byte[] aad, int aadLength, int at, int length);

    /**
     * Encrypts {@code length} staged bytes from {@code at} in place as bytes
     * {@code [dataOffset, dataOffset + length)} of record {@code seq}'s encrypted data would be:
     * AES-CTR from counter block {@code nonce ‖ (2 + dataOffset / 16)}, skipping
     * {@code dataOffset % 16} bytes of its keystream. No tag.
     */
    void encryptSlice(TrafficKeys keys, long seq, long dataOffset, int at, int length);

    /** Short name for metrics and configuration ({@code sunjce}, {@code openssl}). */
    String name();

    /** Bytes sealed or encrypted so far (a plain counter, lane thread). */
    long sealedBytes();
}
