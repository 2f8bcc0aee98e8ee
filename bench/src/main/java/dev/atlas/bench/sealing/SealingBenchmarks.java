package dev.atlas.bench.sealing;

import dev.atlas.server.tls.OpenSslSealer;
import dev.atlas.server.tls.RecordFormat;
import dev.atlas.server.tls.RecordLayout;
import dev.atlas.server.tls.RecordSealer;
import dev.atlas.server.tls.SealedBodies;
import dev.atlas.server.tls.SunJceSealer;
import dev.atlas.server.tls.TrafficKeys;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.security.GeneralSecurityException;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One operation seals one full TLS 1.3 AES-128-GCM record: 16 KiB of plaintext, its content
 * type and the tag. Every operation uses the next sequence number (a fresh nonce), as a stream
 * of records does.
 *
 * <p>{@link #jceOnByteArray}: the baseline, the JDK's AES-GCM alone, in place on a hot heap
 * array (init, additional data, doFinal). {@link #recordLayer}: the server's record layer
 * ({@link SealedBodies#fill}) sealing record after record of a body whose plaintext is an
 * off-heap chunk buffer into an off-heap TX frame, the way {@link #path} says.
 */
public class SealingBenchmarks {
    static final int PLAINTEXT = RecordFormat.MAX_PLAINTEXT;
    /** Where a frame's TCP payload starts: Ethernet, IPv4 and TCP headers with timestamps. */
    static final int PAYLOAD_OFFSET = 66;

    private static byte[] random(int n, long seed) {
        final byte[] bytes = new byte[n];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @State(Scope.Thread)
    public static class ByteArray {
        final byte[] record = random(PLAINTEXT + 1 + RecordFormat.TAG_BYTES, 1);
        final byte[] iv = random(RecordFormat.NONCE_BYTES, 2);
        final byte[] nonce = new byte[RecordFormat.NONCE_BYTES];
        final byte[] header = {RecordFormat.APPLICATION_DATA, 3, 3, 0x40, 0x11};
        SecretKeySpec key;
        Cipher gcm;
        long seq;

        @Setup(Level.Trial)
        public void setUp() throws GeneralSecurityException {
            key = new SecretKeySpec(random(16, 3), "AES");
            gcm = Cipher.getInstance("AES/GCM/NoPadding");
        }
    }

    @Benchmark
    public int jceOnByteArray(ByteArray s) throws GeneralSecurityException {
        final long seq = s.seq++;
        System.arraycopy(s.iv, 0, s.nonce, 0, s.nonce.length);
        for (int i = 0; i < Long.BYTES; i++) {
            s.nonce[s.nonce.length - 1 - i] ^= (byte) (seq >>> (8 * i));
        }
        s.gcm.init(Cipher.ENCRYPT_MODE, s.key, new GCMParameterSpec(RecordFormat.TAG_BYTES * Byte.SIZE, s.nonce));
        s.gcm.updateAAD(s.header);
        return s.gcm.doFinal(s.record, 0, PLAINTEXT + 1, s.record, 0);
    }

    @State(Scope.Thread)
    public static class Frames {
        /** The engine and the way into the frame; see {@code SealingCase}. */
        @Param({"sunjce-staging", "openssl-staging", "openssl-in-frame", "openssl-from-chunk"})
        public String path;

        private Arena arena;
        private SealedBodies bodies;
        private MemorySegment frame;
        private int slot;
        private long body;
        private int overhead;
        private long record;

        @Setup(Level.Trial)
        public void setUp() {
            arena = Arena.ofShared();
            final MemorySegment chunk = arena.allocate(PLAINTEXT, 4096);
            MemorySegment.copy(random(PLAINTEXT, 4), 0, chunk, ValueLayout.JAVA_BYTE, 0, PLAINTEXT);
            frame = arena.allocate(64 * 1024, 4096);
            final RecordSealer sealer = path.startsWith("openssl") ? new OpenSslSealer() : new SunJceSealer();
            bodies = new SealedBodies(1, sealer, path.equals("openssl-in-frame") || path.equals("openssl-from-chunk"));
            final ChunkSource source =
                    path.equals("openssl-from-chunk") ? new AddressedChunkSource(chunk) : new ChunkSource(chunk);
            final TrafficKeys keys = new TrafficKeys().tls13(random(16, 5), random(RecordFormat.NONCE_BYTES, 6));
            body = 1L << 50; // records enough for any run, on the 16 KiB grid from source offset 0
            overhead = RecordFormat.overhead(true);
            slot = bodies.add(0, 0, keys, 0, source, 0, 0, body);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }

        /** Bytes copied through the staging area per record so far (the copy sealing into the frame saves). */
        double stagingCopiesPerRecord() {
            return (double) bodies.stagingCopyBytes() / Math.max(1, bodies.recordsSealed());
        }
    }

    @Benchmark
    public long recordLayer(Frames s) {
        final long k = s.record++;
        final long at = RecordLayout.framedStart(0, s.body, k, s.overhead);
        s.bodies.fill(null, 0, s.slot, at, s.frame, PAYLOAD_OFFSET, PLAINTEXT + s.overhead);
        return s.bodies.recordsSealed();
    }
}
