package dev.atlas.server.tls;

import java.lang.foreign.MemorySegment;

/**
 * An AES-GCM engine that seals TLS records in place in its own staging area (and, if it
 * {@link #sealsInto}, straight into a frame). The record layer
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

    /** {@link #sealInto}'s {@code innerType} for a record without one (TLS 1.2). */
    int NO_INNER_TYPE = -1;

    /**
     * Whether this engine runs at full speed anywhere in native memory, so that the record layer
     * may seal a whole record straight into its TX frame with {@link #sealInto} instead of
     * through {@link #staging()}.
     */
    default boolean sealsInto() {
        return false;
    }

    /**
     * Seals the {@code length} plaintext bytes at native address {@code from} into native address
     * {@code to} with the nonce of record {@code seq}, authenticating {@code aad[0, aadLength)}:
     * the ciphertext at {@code to}, then TLS 1.3's encrypted content type when {@code innerType}
     * is not {@link #NO_INNER_TYPE}, then the 16-byte tag. {@code from == to} seals in place;
     * otherwise the two ranges must not overlap. The caller vouches for the addresses: memory
     * it owns, {@code length + 17} bytes at {@code to}. Called only on engines that
     * {@link #sealsInto}; the others (SunJCE, fast only on its heap array) refuse it as a
     * caller's mistake.
     */
    default void sealInto(
            TrafficKeys keys, long seq, byte[] aad, int aadLength, long from, long to, int length, int innerType) {
        throw new IllegalStateException(name() + " seals only in its staging area: check sealsInto() first");
    }

    /** Short name for metrics and configuration ({@code sunjce}, {@code openssl}). */
    String name();

    /** Bytes sealed or encrypted so far (a plain counter, lane thread). */
    long sealedBytes();
}
