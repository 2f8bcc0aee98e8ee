package dev.atlas.server.tls;

import java.lang.foreign.MemorySegment;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;

/**
 * The JDK's AES-GCM and AES-CTR (SunJCE, with the AES-NI/CLMUL intrinsics) on a heap staging
 * array: on this hardware the intrinsic is fastest on a hot {@code byte[]}, several times faster
 * than on off-heap memory, which SunJCE bounces through small heap arrays. The copies into and
 * out of the staging array stay in the core's caches.
 *
 * <p>SunJCE refuses to initialise GCM encryption again with the key and nonce of its previous
 * initialisation (a guard against nonce reuse); resealing the same record for a retransmission
 * is safe here (same key, nonce and plaintext give the same bytes), so an initialisation with
 * another nonce goes in between. Each initialisation allocates its parameter objects (a few
 * hundred bytes per record): the JCA offers no way around it.
 */
public final class SunJceSealer implements RecordSealer {
    private static final int TAG_BITS = RecordFormat.TAG_BYTES * Byte.SIZE;
    private static final int BLOCK = 16;
    /** GCM's first data block uses counter 2 (counter 1 encrypts the tag). */
    private static final int FIRST_DATA_COUNTER = 2;

    private final byte[] staging = new byte[STAGING_BYTES];
    private final MemorySegment stagingSegment = MemorySegment.ofArray(staging);
    private final byte[] sliceOut = new byte[STAGING_BYTES];
    private final byte[] nonce = new byte[RecordFormat.NONCE_BYTES];
    private final byte[] counterBlock = new byte[BLOCK];
    private final byte[] skip = new byte[BLOCK];
    private final Cipher gcm;
    private final Cipher ctr;
    private long lastEpoch = -1;
    private long lastSeq = -1;
    private long sealed;

    public SunJceSealer() {
        try {
            this.gcm = Cipher.getInstance("AES/GCM/NoPadding");
            this.ctr = Cipher.getInstance("AES/CTR/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK offers no AES-GCM or AES-CTR: " + e.getMessage(), e);
        }
    }

    @Override
    public MemorySegment staging() {
        return stagingSegment;
    }

    /** The staging area as the array it is (for tests and the benchmark). */
    byte[] stagingArray() {
        return staging;
    }

    @Override
    public void seal(TrafficKeys keys, long seq, byte[] aad, int aadLength, int at, int length) {
        try {
            if (keys.epoch() == lastEpoch && seq == lastSeq) {
                keys.nonce(seq + 1, nonce, 0); // any other nonce makes the repeat legal
                gcm.init(Cipher.ENCRYPT_MODE, keys.key(), new GCMParameterSpec(TAG_BITS, nonce));
            }
            keys.nonce(seq, nonce, 0);
            gcm.init(Cipher.ENCRYPT_MODE, keys.key(), new GCMParameterSpec(TAG_BITS, nonce));
            lastEpoch = keys.epoch();
            lastSeq = seq;
            gcm.updateAAD(aad, 0, aadLength);
            gcm.doFinal(staging, at, length, staging, at);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM refused a record: " + e.getMessage(), e);
        }
        sealed += length;
    }

    @Override
    public void encryptSlice(TrafficKeys keys, long seq, long dataOffset, int at, int length) {
        keys.nonce(seq, counterBlock, 0);
        final long counter = FIRST_DATA_COUNTER + dataOffset / BLOCK;
        counterBlock[12] = (byte) (counter >>> 24);
        counterBlock[13] = (byte) (counter >>> 16);
        counterBlock[14] = (byte) (counter >>> 8);
        counterBlock[15] = (byte) counter;
        try {
            ctr.init(Cipher.ENCRYPT_MODE, keys.key(), new IvParameterSpec(counterBlock));
            final int skipped = (int) (dataOffset % BLOCK);
            if (skipped > 0) {
                ctr.update(skip, 0, skipped, sliceOut, 0);
            }
            // Out of place: SunJCE's CTR copies its input first when run in place.
            ctr.doFinal(staging, at, length, sliceOut, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CTR refused a slice: " + e.getMessage(), e);
        }
        System.arraycopy(sliceOut, 0, staging, at, length);
        sealed += length;
    }

    @Override
    public String name() {
        return "sunjce";
    }

    @Override
    public long sealedBytes() {
        return sealed;
    }
}
