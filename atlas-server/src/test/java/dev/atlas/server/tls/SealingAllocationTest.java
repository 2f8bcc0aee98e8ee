package dev.atlas.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/**
 * What filling frames of sealed records allocates, per thread, after warm-up: our record layer
 * (layout, headers, staging, the CTR path) nothing at all, nor with OpenSSL through FFM as the
 * engine; with SunJCE, only what each {@code Cipher.init} allocates for its parameters,
 * measured and bounded here.
 */
class SealingAllocationTest {
    private static final int FRAME = 64_000;
    private static final int BODY = 4 * 1024 * 1024;

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** An engine that leaves the bytes as they are: isolates the record layer's own allocations. */
    private static final class PassThroughSealer implements RecordSealer {
        private final MemorySegment staging = MemorySegment.ofArray(new byte[STAGING_BYTES]);
        private long sealed;

        @Override
        public MemorySegment staging() {
            return staging;
        }

        @Override
        public void seal(TrafficKeys keys, long seq, byte[] aad, int aadLength, int at, int length) {
            sealed += length;
        }

        @Override
        public void encryptSlice(TrafficKeys keys, long seq, long dataOffset, int at, int length) {
            sealed += length;
        }

        @Override
        public String name() {
            return "none";
        }

        @Override
        public long sealedBytes() {
            return sealed;
        }
    }

    /** Allocated bytes per record while framing a body {@code rounds} times in TSO-sized frames, with a retransmission each round. */
    private double bytesPerRecord(RecordSealer sealer, int warmUp, int rounds) {
        final byte[] key = new byte[16];
        final byte[] iv = new byte[12];
        new Random(7).nextBytes(key);
        final TrafficKeys keys = new TrafficKeys().tls13(key, iv);
        final byte[] source = new byte[BODY + 5000];
        final ArraySource plain = new ArraySource(source, 5000, BODY);
        final SealedBodies bodies = new SealedBodies(1, sealer);
        final int slot = bodies.add(0, 0, keys, 0, plain, 0, 5000, BODY);
        final long framed = RecordLayout.framedLength(5000, BODY, RecordFormat.OVERHEAD_13);
        // Native, as a TX slot is: with OpenSSL, the records whole in a frame are sealed straight into it.
        final MemorySegment frame = java.lang.foreign.Arena.ofAuto().allocate(FRAME);
        final Runnable round = () -> {
            for (long at = 0; at < framed; at += FRAME) {
                final int n = (int) Math.min(FRAME, framed - at);
                bodies.ready(null, 0, slot, at, n);
                bodies.fill(null, 0, slot, at, frame, 0, n);
            }
            bodies.fill(null, 0, slot, 100_000, frame, 0, 1448); // a lost segment inside a record: AES-CTR
        };
        for (int i = 0; i < warmUp; i++) {
            round.run();
        }
        final long records = bodies.recordsSealed() + bodies.slicesEncrypted();
        final long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < rounds; i++) {
            round.run();
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        return (double) allocated / (bodies.recordsSealed() + bodies.slicesEncrypted() - records);
    }

    /**
     * The least of three measurements: a path that allocates per record does so every time, while
     * a one-off (a class loaded or code recompiled under the measurement) does not come back.
     */
    private static double leastOf3(DoubleSupplier measurement) {
        double least = Double.MAX_VALUE;
        for (int i = 0; i < 3 && least > 0; i++) {
            least = Math.min(least, measurement.getAsDouble());
        }
        return least;
    }

    @Test
    void theRecordLayerAndOpenSslAllocateNothingSunJceOnlyItsInit() {
        assertTrue(threads.isThreadAllocatedMemorySupported(), "this JVM cannot count allocated bytes per thread");
        threads.setThreadAllocatedMemoryEnabled(true);
        assertEquals(
                0.0,
                leastOf3(() -> bytesPerRecord(new PassThroughSealer(), 400, 50)),
                "bytes the record layer allocates per record");
        final double sunJce = bytesPerRecord(new SunJceSealer(), 20, 5);
        System.out.printf(
                "sealing: SunJCE allocates %.0f bytes per 16 KiB record (Cipher.init and its parameter objects)%n",
                sunJce);
        assertTrue(sunJce < 2048, "SunJCE allocates " + sunJce + " bytes per record");
        if (OpenSslSealer.isAvailable()) {
            assertEquals(
                    0.0,
                    leastOf3(() -> bytesPerRecord(new OpenSslSealer(), 600, 20)),
                    "bytes per record with OpenSSL through FFM");
        }
    }
}
