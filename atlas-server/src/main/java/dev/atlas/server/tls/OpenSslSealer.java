package dev.atlas.server.tls;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * OpenSSL's libcrypto (EVP AES-GCM and AES-CTR) through FFM, on off-heap memory: in place in
 * its staging area, or straight from the plaintext into a TX frame ({@link #sealInto}, in place
 * or out of place). No heap copies and no allocation per record. The key is set only when it
 * changes; each record sets just its nonce. Available where {@code libcrypto.so.3} is.
 */
public final class OpenSslSealer implements RecordSealer {
    private static final int EVP_CTRL_GCM_GET_TAG = 0x10;
    private static final int BLOCK = 16;
    private static final int FIRST_DATA_COUNTER = 2;

    private static final MethodHandle CTX_NEW =
            LibCrypto.handle("EVP_CIPHER_CTX_new", FunctionDescriptor.of(ValueLayout.ADDRESS));
    private static final MethodHandle AES_128_GCM =
            LibCrypto.handle("EVP_aes_128_gcm", FunctionDescriptor.of(ValueLayout.ADDRESS));
    private static final MethodHandle AES_256_GCM =
            LibCrypto.handle("EVP_aes_256_gcm", FunctionDescriptor.of(ValueLayout.ADDRESS));
    private static final MethodHandle AES_128_CTR =
            LibCrypto.handle("EVP_aes_128_ctr", FunctionDescriptor.of(ValueLayout.ADDRESS));
    private static final MethodHandle AES_256_CTR =
            LibCrypto.handle("EVP_aes_256_ctr", FunctionDescriptor.of(ValueLayout.ADDRESS));
    private static final MethodHandle INIT = LibCrypto.handle(
            "EVP_EncryptInit_ex",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS));
    // Data pointers go as plain addresses (longs): a slice object per call would be an allocation per record.
    private static final MethodHandle UPDATE = LibCrypto.handle(
            "EVP_EncryptUpdate",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle FINAL = LibCrypto.handle(
            "EVP_EncryptFinal_ex",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    private static final MethodHandle CTRL = LibCrypto.handle(
            "EVP_CIPHER_CTX_ctrl",
            FunctionDescriptor.of(
                    ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_LONG));

    /** The EVP_CIPHER objects are static in libcrypto: looked up once (each lookup would wrap its pointer anew). */
    private static final MemorySegment[] CIPHERS = ciphers();

    private static final int GCM_128 = 0;
    private static final int GCM_256 = 1;
    private static final int CTR_128 = 2;
    private static final int CTR_256 = 3;

    private final MemorySegment staging;
    private final MemorySegment key;
    private final MemorySegment nonce;
    private final MemorySegment aad;
    private final MemorySegment outLength;
    private final MemorySegment skip;
    private final MemorySegment skipOut;
    private final MemorySegment innerTypeByte;
    private final MemorySegment gcm;
    private final MemorySegment ctr;
    private final byte[] nonceBytes = new byte[BLOCK];
    private long gcmEpoch = -1;
    private long sealed;

    public OpenSslSealer() {
        if (!LibCrypto.isAvailable()) {
            throw new IllegalStateException("libcrypto.so.3 (OpenSSL 3) is not installed; use --sealer sunjce");
        }
        final Arena arena = Arena.ofAuto();
        this.staging = arena.allocate(STAGING_BYTES, 64);
        this.key = arena.allocate(32);
        this.nonce = arena.allocate(BLOCK);
        this.aad = arena.allocate(64);
        this.outLength = arena.allocate(ValueLayout.JAVA_INT);
        this.skip = arena.allocate(BLOCK);
        this.skipOut = arena.allocate(BLOCK);
        this.innerTypeByte = arena.allocate(1);
        try {
            this.gcm = (MemorySegment) CTX_NEW.invokeExact();
            this.ctr = (MemorySegment) CTX_NEW.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("EVP_CIPHER_CTX_new failed", t);
        }
        if (gcm.address() == 0 || ctr.address() == 0) {
            throw new IllegalStateException("EVP_CIPHER_CTX_new returned NULL");
        }
    }

    /** Whether OpenSSL's libcrypto can be loaded here. */
    public static boolean isAvailable() {
        return LibCrypto.isAvailable();
    }

    private static MemorySegment[] ciphers() {
        if (!LibCrypto.isAvailable()) {
            return null;
        }
        try {
            return new MemorySegment[] {
                (MemorySegment) AES_128_GCM.invokeExact(),
                (MemorySegment) AES_256_GCM.invokeExact(),
                (MemorySegment) AES_128_CTR.invokeExact(),
                (MemorySegment) AES_256_CTR.invokeExact()
            };
        } catch (Throwable t) {
            throw new IllegalStateException("libcrypto offers no AES-GCM/CTR ciphers", t);
        }
    }

    @Override
    public MemorySegment staging() {
        return staging;
    }

    @Override
    public void seal(TrafficKeys keys, long seq, byte[] aadBytes, int aadLength, int at, int length) {
        final long data = staging.address() + at;
        gcm(keys, seq, aadBytes, aadLength, data, data, length, NO_INNER_TYPE);
    }

    @Override
    public boolean sealsInto() {
        return true;
    }

    @Override
    public void sealInto(
            TrafficKeys keys, long seq, byte[] aadBytes, int aadLength, long from, long to, int length, int innerType) {
        gcm(keys, seq, aadBytes, aadLength, from, to, length, innerType);
    }

    /**
     * EVP encrypts from {@code from} to {@code to} (equal: in place, any other: out of place,
     * which needs the ranges apart); TLS 1.3's content type is one more update from its own byte.
     */
    private void gcm(
            TrafficKeys keys, long seq, byte[] aadBytes, int aadLength, long from, long to, int length, int innerType) {
        keys.nonce(seq, nonceBytes, 0);
        MemorySegment.copy(nonceBytes, 0, nonce, ValueLayout.JAVA_BYTE, 0, RecordFormat.NONCE_BYTES);
        MemorySegment.copy(aadBytes, 0, aad, ValueLayout.JAVA_BYTE, 0, aadLength);
        int encrypted = length;
        try {
            if (keys.epoch() != gcmEpoch) {
                final byte[] raw = keys.rawKey();
                MemorySegment.copy(raw, 0, key, ValueLayout.JAVA_BYTE, 0, raw.length);
                final MemorySegment cipher = CIPHERS[raw.length == 32 ? GCM_256 : GCM_128];
                check((int) INIT.invokeExact(gcm, cipher, MemorySegment.NULL, key, nonce), "EVP_EncryptInit_ex");
                gcmEpoch = keys.epoch();
            } else {
                check(
                        (int) INIT.invokeExact(gcm, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, nonce),
                        "EVP_EncryptInit_ex");
            }
            check((int) UPDATE.invokeExact(gcm, 0L, outLength, aad.address(), aadLength), "EVP_EncryptUpdate (aad)");
            check((int) UPDATE.invokeExact(gcm, to, outLength, from, length), "EVP_EncryptUpdate");
            if (innerType != NO_INNER_TYPE) {
                innerTypeByte.set(ValueLayout.JAVA_BYTE, 0, (byte) innerType);
                check(
                        (int) UPDATE.invokeExact(gcm, to + length, outLength, innerTypeByte.address(), 1),
                        "EVP_EncryptUpdate (content type)");
                encrypted++;
            }
            check((int) FINAL.invokeExact(gcm, to + encrypted, outLength), "EVP_EncryptFinal_ex");
            check(
                    (int) CTRL.invokeExact(gcm, EVP_CTRL_GCM_GET_TAG, RecordFormat.TAG_BYTES, to + encrypted),
                    "EVP_CTRL_GCM_GET_TAG");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        sealed += encrypted;
    }

    @Override
    public void encryptSlice(TrafficKeys keys, long seq, long dataOffset, int at, int length) {
        keys.nonce(seq, nonceBytes, 0);
        final long counter = FIRST_DATA_COUNTER + dataOffset / BLOCK;
        nonceBytes[12] = (byte) (counter >>> 24);
        nonceBytes[13] = (byte) (counter >>> 16);
        nonceBytes[14] = (byte) (counter >>> 8);
        nonceBytes[15] = (byte) counter;
        MemorySegment.copy(nonceBytes, 0, nonce, ValueLayout.JAVA_BYTE, 0, BLOCK);
        final byte[] raw = keys.rawKey();
        MemorySegment.copy(raw, 0, key, ValueLayout.JAVA_BYTE, 0, raw.length);
        try {
            final MemorySegment cipher = CIPHERS[raw.length == 32 ? CTR_256 : CTR_128];
            check((int) INIT.invokeExact(ctr, cipher, MemorySegment.NULL, key, nonce), "EVP_EncryptInit_ex (ctr)");
            final int skipped = (int) (dataOffset % BLOCK);
            if (skipped > 0) {
                check(
                        (int) UPDATE.invokeExact(ctr, skipOut.address(), outLength, skip.address(), skipped),
                        "EVP_EncryptUpdate (skip)");
            }
            final long data = staging.address() + at;
            check((int) UPDATE.invokeExact(ctr, data, outLength, data, length), "EVP_EncryptUpdate (ctr)");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        sealed += length;
    }

    private static void check(int result, String call) {
        if (result != 1) {
            throw new IllegalStateException(call + " failed in OpenSSL");
        }
    }

    @Override
    public String name() {
        return "openssl";
    }

    @Override
    public long sealedBytes() {
        return sealed;
    }
}
