package dev.atlas.server.tls;

import java.util.Arrays;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES-GCM key and nonce material of one direction of one connection, in the form the record
 * layer needs: the key and the 12-byte per-record nonce base. TLS 1.3 XORs the sequence number
 * into the IV's last eight bytes (RFC 8446 §5.3); TLS 1.2 sends the sequence number as the
 * explicit nonce behind the four-byte salt (RFC 5288 §3), so both come out of {@link #nonce}.
 *
 * <p>Mutable so a lane reuses one object per connection and direction (a key update or a new
 * connection overwrites it).
 */
public final class TrafficKeys {
    private final byte[] iv = new byte[RecordFormat.NONCE_BYTES];
    private SecretKeySpec key;
    private byte[] rawKey;
    private boolean tls13;
    /** Changes with every new key, so a sealer can tell a repeated nonce from a new key. */
    private long epoch;

    private static long epochs;

    /** Sets TLS 1.3 keys: {@code iv} is the 12-byte write IV. */
    public TrafficKeys tls13(byte[] keyBytes, byte[] writeIv) {
        if (writeIv.length != RecordFormat.NONCE_BYTES) {
            throw new IllegalArgumentException("a TLS 1.3 IV has 12 bytes, not " + writeIv.length);
        }
        set(keyBytes, true);
        System.arraycopy(writeIv, 0, iv, 0, RecordFormat.NONCE_BYTES);
        return this;
    }

    /** Sets TLS 1.2 keys: {@code salt} is the 4-byte implicit nonce. */
    public TrafficKeys tls12(byte[] keyBytes, byte[] salt) {
        if (salt.length != RecordFormat.SALT_BYTES) {
            throw new IllegalArgumentException("a TLS 1.2 GCM salt has 4 bytes, not " + salt.length);
        }
        set(keyBytes, false);
        Arrays.fill(iv, (byte) 0);
        System.arraycopy(salt, 0, iv, 0, RecordFormat.SALT_BYTES);
        return this;
    }

    private void set(byte[] keyBytes, boolean version13) {
        if (keyBytes.length != 16 && keyBytes.length != 32) {
            throw new IllegalArgumentException("an AES key has 16 or 32 bytes, not " + keyBytes.length);
        }
        this.rawKey = keyBytes.clone();
        this.key = new SecretKeySpec(rawKey, "AES");
        this.tls13 = version13;
        synchronized (TrafficKeys.class) {
            this.epoch = ++epochs;
        }
    }

    /** Writes the nonce of record {@code seq} into {@code out} at {@code at}. */
    public void nonce(long seq, byte[] out, int at) {
        System.arraycopy(iv, 0, out, at, RecordFormat.NONCE_BYTES);
        for (int i = 0; i < Long.BYTES; i++) {
            final byte b = (byte) (seq >>> (8 * (Long.BYTES - 1 - i)));
            final int j = at + RecordFormat.NONCE_BYTES - Long.BYTES + i;
            out[j] = tls13 ? (byte) (out[j] ^ b) : b;
        }
    }

    public SecretKeySpec key() {
        return key;
    }

    /** The raw key bytes (for engines outside the JCA); never modify. */
    public byte[] rawKey() {
        return rawKey;
    }

    public boolean tls13() {
        return tls13;
    }

    public boolean isSet() {
        return key != null;
    }

    public long epoch() {
        return epoch;
    }

    /** Forgets the key (the connection closed). */
    public void clear() {
        if (rawKey != null) {
            Arrays.fill(rawKey, (byte) 0);
        }
        key = null;
        rawKey = null;
    }
}
