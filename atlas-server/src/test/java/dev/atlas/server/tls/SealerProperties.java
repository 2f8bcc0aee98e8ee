package dev.atlas.server.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.atlas.server.tcp.PayloadInMemory;
import dev.atlas.server.tcp.PayloadSource;
import dev.atlas.server.tcp.TcpConnection;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * The sealing engines against an independent AES-GCM (Bouncy Castle's lightweight one), and the
 * AES-CTR slice path against the GCM ciphertext it must reproduce.
 */
class SealerProperties {

    private static TrafficKeys keys(boolean tls13, boolean aes256, long seed) {
        final Random r = new Random(seed);
        final byte[] key = new byte[aes256 ? 32 : 16];
        r.nextBytes(key);
        if (tls13) {
            final byte[] iv = new byte[RecordFormat.NONCE_BYTES];
            r.nextBytes(iv);
            return new TrafficKeys().tls13(key, iv);
        }
        final byte[] salt = new byte[RecordFormat.SALT_BYTES];
        r.nextBytes(salt);
        return new TrafficKeys().tls12(key, salt);
    }

    private static byte[] referenceSeal(TrafficKeys keys, long seq, byte[] aad, byte[] plain) throws Exception {
        final byte[] nonce = new byte[RecordFormat.NONCE_BYTES];
        keys.nonce(seq, nonce, 0);
        final GCMBlockCipher gcm = (GCMBlockCipher) GCMBlockCipher.newInstance(AESEngine.newInstance());
        gcm.init(true, new AEADParameters(new KeyParameter(keys.rawKey()), 128, nonce, aad));
        final byte[] out = new byte[gcm.getOutputSize(plain.length)];
        final int n = gcm.processBytes(plain, 0, plain.length, out, 0);
        gcm.doFinal(out, n);
        return out;
    }

    @Property(tries = 120)
    void sunJceSealsAsAnIndependentGcmDoes(
            @ForAll boolean tls13,
            @ForAll boolean aes256,
            @ForAll long seed,
            @ForAll long seq,
            @ForAll @IntRange(min = 0, max = 16 * 1024 + 1) int length,
            @ForAll @Size(max = 13) byte[] aad,
            @ForAll @IntRange(min = 0, max = 64) int at) {
        final TrafficKeys keys = keys(tls13, aes256, seed);
        final byte[] plain = new byte[length];
        new Random(seed ^ seq).nextBytes(plain);
        final SunJceSealer sealer = new SunJceSealer();
        System.arraycopy(plain, 0, sealer.stagingArray(), at, length);
        sealer.seal(keys, seq, aad, aad.length, at, length);
        final byte[] ours = Arrays.copyOfRange(sealer.stagingArray(), at, at + length + RecordFormat.TAG_BYTES);
        try {
            assertArrayEquals(referenceSeal(keys, seq, aad, plain), ours);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        // Sealing the same record again (a retransmission) gives the same bytes: SunJCE's
        // refusal of a repeated key and nonce is stepped around, not tripped over.
        System.arraycopy(plain, 0, sealer.stagingArray(), at, length);
        sealer.seal(keys, seq, aad, aad.length, at, length);
        assertArrayEquals(ours, Arrays.copyOfRange(sealer.stagingArray(), at, at + length + RecordFormat.TAG_BYTES));
    }

    @Property(tries = 150)
    void openSslSealsAndSlicesAsSunJceDoes(
            @ForAll boolean tls13,
            @ForAll boolean aes256,
            @ForAll long seed,
            @ForAll long seq,
            @ForAll @IntRange(min = 1, max = 16 * 1024 + 1) int length,
            @ForAll @Size(max = 13) byte[] aad,
            @ForAll @IntRange(min = 0, max = 16 * 1024) int a) {
        org.junit.jupiter.api.Assertions.assertTrue(
                OpenSslSealer.isAvailable(),
                "libcrypto.so.3 is not installed (./atlas test installs openssl, which brings it)");
        final TrafficKeys keys = keys(tls13, aes256, seed);
        final byte[] plain = new byte[length];
        new Random(seed - seq).nextBytes(plain);
        final SunJceSealer jce = new SunJceSealer();
        final OpenSslSealer openSsl = new OpenSslSealer();
        System.arraycopy(plain, 0, jce.stagingArray(), 0, length);
        jce.seal(keys, seq, aad, aad.length, 0, length);
        java.lang.foreign.MemorySegment.copy(
                plain, 0, openSsl.staging(), java.lang.foreign.ValueLayout.JAVA_BYTE, 0, length);
        openSsl.seal(keys, seq, aad, aad.length, 0, length);
        final byte[] theirs = openSsl.staging()
                .asSlice(0, length + RecordFormat.TAG_BYTES)
                .toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        assertArrayEquals(Arrays.copyOfRange(jce.stagingArray(), 0, length + RecordFormat.TAG_BYTES), theirs);
        final int from = a % length;
        final int n = length - from;
        java.lang.foreign.MemorySegment.copy(
                plain, from, openSsl.staging(), java.lang.foreign.ValueLayout.JAVA_BYTE, 64, n);
        openSsl.encryptSlice(keys, seq, from, 64, n);
        assertArrayEquals(
                Arrays.copyOfRange(theirs, from, length),
                openSsl.staging().asSlice(64, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
    }

    @Property(tries = 300)
    void ctrSliceEqualsTheGcmCiphertextSlice(
            @ForAll boolean tls13,
            @ForAll boolean aes256,
            @ForAll long seed,
            @ForAll long seq,
            @ForAll @IntRange(min = 1, max = 16 * 1024) int length,
            @ForAll @IntRange(min = 0, max = 16 * 1024) int a,
            @ForAll @IntRange(min = 0, max = 16 * 1024) int b) {
        final int from = Math.min(a, b) % length;
        final int to = Math.min(length, from + Math.max(1, Math.abs(b - a)));
        final TrafficKeys keys = keys(tls13, aes256, seed);
        final byte[] plain = new byte[length];
        new Random(seed + 1).nextBytes(plain);
        final SunJceSealer sealer = new SunJceSealer();
        final byte[] aad = {1, 2, 3, 4, 5};
        System.arraycopy(plain, 0, sealer.stagingArray(), 0, length);
        sealer.seal(keys, seq, aad, aad.length, 0, length);
        final byte[] sealed = Arrays.copyOfRange(sealer.stagingArray(), from, to);
        System.arraycopy(plain, from, sealer.stagingArray(), 100, to - from);
        sealer.encryptSlice(keys, seq, from, 100, to - from);
        assertArrayEquals(sealed, Arrays.copyOfRange(sealer.stagingArray(), 100, 100 + to - from));
    }

    @Property(tries = 150)
    void openSslSealsIntoAFrameAsInItsStaging(
            @ForAll boolean tls13,
            @ForAll boolean aes256,
            @ForAll long seed,
            @ForAll long seq,
            @ForAll @IntRange(min = 0, max = 16 * 1024) int length,
            @ForAll @Size(max = 13) byte[] aad,
            @ForAll @IntRange(min = 0, max = 100) int at) {
        org.junit.jupiter.api.Assertions.assertTrue(
                OpenSslSealer.isAvailable(),
                "libcrypto.so.3 is not installed (./atlas test installs openssl, which brings it)");
        final TrafficKeys keys = keys(tls13, aes256, seed);
        final byte[] plain = new byte[length];
        new Random(seed + seq).nextBytes(plain);
        final int innerType = tls13 ? RecordFormat.APPLICATION_DATA : RecordSealer.NO_INNER_TYPE;
        final int encrypted = length + (tls13 ? 1 : 0);
        final OpenSslSealer sealer = new OpenSslSealer();
        // In place in the staging area, the content type staged behind the plaintext as the record layer does.
        MemorySegment.copy(plain, 0, sealer.staging(), ValueLayout.JAVA_BYTE, 0, length);
        sealer.staging().set(ValueLayout.JAVA_BYTE, length, RecordFormat.APPLICATION_DATA);
        sealer.seal(keys, seq, aad, aad.length, 0, encrypted);
        final byte[] staged =
                sealer.staging().asSlice(0, encrypted + RecordFormat.TAG_BYTES).toArray(ValueLayout.JAVA_BYTE);
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment chunk = arena.allocate(length + 1);
            final MemorySegment frame = arena.allocate(at + encrypted + RecordFormat.TAG_BYTES);
            MemorySegment.copy(plain, 0, chunk, ValueLayout.JAVA_BYTE, 0, length);
            // Out of place: from the chunk into the frame; the chunk is left as it was.
            sealer.sealInto(keys, seq, aad, aad.length, chunk.address(), frame.address() + at, length, innerType);
            assertArrayEquals(staged, frame.asSlice(at).toArray(ValueLayout.JAVA_BYTE), "out of place");
            assertArrayEquals(plain, chunk.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE), "source untouched");
            // In place in the frame.
            frame.fill((byte) 0);
            MemorySegment.copy(plain, 0, frame, ValueLayout.JAVA_BYTE, at, length);
            final long data = frame.address() + at;
            sealer.sealInto(keys, seq, aad, aad.length, data, data, length, innerType);
            assertArrayEquals(staged, frame.asSlice(at).toArray(ValueLayout.JAVA_BYTE), "in place in the frame");
        }
    }

    /** Plaintext in native memory that says where it is, as a drive chunk buffer can. */
    private static final class NativeSource implements PayloadSource, PayloadInMemory {
        private final MemorySegment bytes;
        long addressed;
        long taken;

        NativeSource(MemorySegment bytes) {
            this.bytes = bytes;
        }

        @Override
        public void fill(
                TcpConnection connection,
                long streamOffset,
                long token,
                long sourceOffset,
                MemorySegment dst,
                long dstOffset,
                int length) {
            MemorySegment.copy(bytes, sourceOffset, dst, dstOffset, length);
        }

        @Override
        public long address(TcpConnection connection, long streamOffset, long token, long sourceOffset, int length) {
            addressed++;
            return bytes.address() + sourceOffset;
        }

        @Override
        public void copy(
                TcpConnection connection,
                long streamOffset,
                long token,
                long sourceOffset,
                MemorySegment dst,
                long dstOffset,
                int length) {
            fill(connection, streamOffset, token, sourceOffset, dst, dstOffset, length);
        }

        @Override
        public void taken(TcpConnection connection, long streamOffset, int length) {
            taken += length;
        }
    }

    @Property(tries = 40)
    void wholeRecordsSealedIntoFramesAreTheStagedBytesWithNoStagingCopy(
            @ForAll boolean tls13,
            @ForAll boolean fromChunk,
            @ForAll long seed,
            @ForAll @IntRange(min = 1, max = 70_000) int length,
            @ForAll @IntRange(min = 0, max = 16 * 1024 - 1) int phase) {
        org.junit.jupiter.api.Assertions.assertTrue(
                OpenSslSealer.isAvailable(),
                "libcrypto.so.3 is not installed (./atlas test installs openssl, which brings it)");
        final TrafficKeys keys = keys(tls13, false, seed);
        final byte[] source = new byte[phase + length];
        new Random(seed).nextBytes(source);
        final int overhead = RecordFormat.overhead(tls13);
        final int framed = (int) RecordLayout.framedLength(phase, length, overhead);
        final long records = RecordLayout.records(phase, length);

        final SealedBodies staged = new SealedBodies(1, new OpenSslSealer(), false);
        final int stagedSlot = staged.add(0, 0, keys, 7, new ArraySource(source, phase, length), 0, phase, length);
        final SealedBodies into = new SealedBodies(1, new OpenSslSealer());
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment chunk = arena.allocate(source.length);
            MemorySegment.copy(source, 0, chunk, ValueLayout.JAVA_BYTE, 0, source.length);
            final NativeSource memory = new NativeSource(chunk);
            final PayloadSource plain = fromChunk ? memory : new ArraySource(source, phase, length);
            final int slot = into.add(0, 0, keys, 7, plain, 0, phase, length);
            final MemorySegment frame = arena.allocate(RecordFormat.MAX_PLAINTEXT + overhead);
            final byte[] stagedFrame = new byte[RecordFormat.MAX_PLAINTEXT + overhead];
            for (long k = 0; k < records; k++) {
                final int at = (int) RecordLayout.framedStart(phase, length, k, overhead);
                final int n = RecordLayout.plaintextLength(phase, length, k) + overhead;
                staged.fill(null, 0, stagedSlot, at, MemorySegment.ofArray(stagedFrame), 0, n);
                into.fill(null, 0, slot, at, frame, 0, n);
                assertArrayEquals(
                        Arrays.copyOf(stagedFrame, n),
                        frame.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE),
                        "record " + k + " of " + records);
            }
            org.junit.jupiter.api.Assertions.assertEquals(framed, staged.stagingCopyBytes());
            org.junit.jupiter.api.Assertions.assertEquals(0, into.stagingCopyBytes(), "bytes copied through staging");
            org.junit.jupiter.api.Assertions.assertEquals(records, into.recordsSealedIntoFrames());
            org.junit.jupiter.api.Assertions.assertEquals(fromChunk ? records : 0, memory.addressed);
            org.junit.jupiter.api.Assertions.assertEquals(
                    fromChunk ? length : 0,
                    memory.taken,
                    "every plaintext byte sealed from the chunk is reported taken");
        }
    }
}
