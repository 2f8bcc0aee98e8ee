package dev.atlas.server.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.diskmap.NvmeDevice;
import dev.atlas.diskmap.emulated.EmulatedFaults;
import dev.atlas.server.storage.ChunkLayout;
import dev.atlas.server.storage.ExtentSource;
import dev.atlas.server.storage.LaneDrives;
import dev.atlas.server.storage.StorageCounters;
import dev.atlas.server.tls.RecordFormat;
import dev.atlas.server.tls.RecordLayout;
import dev.atlas.server.tls.SealedBodies;
import dev.atlas.server.tls.SunJceSealer;
import dev.atlas.server.tls.TrafficKeys;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A TLS 1.3 body sealed from the drive over the lossy memory wire: its records' plaintext is
 * spaced by tags and headers in the stream, yet one drive command reads several records into
 * one chunk, and every record the client gets decrypts (with the JDK's own AES-GCM, not ours)
 * to the drive's bytes — also after losses repaired by re-reading, resealing and CTR slices.
 */
@Timeout(120)
class SealedDriveTransferTest {
    private static final int PORT = 40_000;
    /** Inside a record, so the body's first record is short. */
    private static final long EXTENT_ADDRESS = 5 * ChunkLayout.BLOCK_BYTES;

    private static final long IMAGE_BYTES = 24L << 20;

    @TempDir
    Path dir;

    /** Sends one sealed body of the extent to each connection, then FIN. */
    private static final class SealedApplication implements TcpApplication {
        final long bytes;
        final TrafficKeys keys;
        ExtentSource source;
        SealedBodies bodies;

        SealedApplication(long bytes, TrafficKeys keys) {
            this.bytes = bytes;
            this.keys = keys;
        }

        @Override
        public void onAccept(TcpConnection c) {
            if (bodies.queue(c, keys, 0, source, 0, EXTENT_ADDRESS, bytes) < 0) {
                throw new IllegalStateException("queue refused");
            }
            c.shutdownOutput();
        }

        @Override
        public int onData(TcpConnection c, MemorySegment data, long offset, int length) {
            return length;
        }

        @Override
        public void onSendComplete(TcpConnection c) {}

        @Override
        public void onClose(TcpConnection c) {
            bodies.release(c);
            source.release(c);
        }
    }

    @ParameterizedTest(name = "{0} MiB at {1} loss")
    @CsvSource({"12, 0", "6, 0.02"})
    void recordsReadSeveralPerCommandDecryptToTheDrivesBytes(int mebibytes, double loss) throws Exception {
        final long bytes = (long) mebibytes << 20;
        final byte[] image = new byte[(int) IMAGE_BYTES];
        for (int i = 0; i < image.length; i++) {
            image[i] = (byte) (i % PatternSource.MODULUS);
        }
        final Path imageFile = dir.resolve("pattern.img");
        Files.write(imageFile, image);
        final Random random = new Random(3);
        final byte[] key = new byte[16];
        final byte[] iv = new byte[12];
        random.nextBytes(key);
        random.nextBytes(iv);
        final SealedApplication app = new SealedApplication(bytes, new TrafficKeys().tls13(key, iv));
        final NvmeDevice.Options options = NvmeDevice.Options.defaults()
                .withQueueDepth(32)
                .withFaults(EmulatedFaults.seeded(13).outOfOrder(true).delayPolls(0, 3));
        final TcpConfig config = TcpConfig.defaults().maxConnections(8);
        try (LaneDrives drives = LaneDrives.open(List.of(imageFile), "emulated", options, 64);
                StackLoop loop = new StackLoop(TcpBulkTransferTest.wire(9, loss), config, app, 1_000_000_000L)) {
            app.source = new ExtentSource(drives, config.maxConnections(), 16);
            app.bodies = new SealedBodies(config.maxConnections(), new SunJceSealer());
            loop.planning = app.source::planning;
            loop.submit = app.source::submit;
            loop.complete = () -> app.source.complete(loop.now);
            loop.waitingForIo = () -> drives.readsInFlight() > 0;
            final long framed = RecordLayout.framedLength(EXTENT_ADDRESS, bytes, RecordFormat.overhead(true));
            final BulkReceiver receiver = new BulkReceiver(loop.wire.b(), PORT, 0);
            receiver.collected = new byte[(int) framed];
            TcpBulkTransferTest.transfer(loop, receiver, framed, true);
            TcpBulkTransferTest.settle(loop, receiver, 3_000_000_000L);
            final StorageCounters disk = app.source.counters();
            final String figures = "reads " + disk.reads + " (retransmission " + disk.retransmitReads
                    + "), read bytes " + disk.readBytes + ", records sealed " + app.bodies.recordsSealed()
                    + ", CTR slices " + app.bodies.slicesEncrypted() + ", retransmitted frames "
                    + loop.stack.counters().retransmitFrames;
            System.out.println("sealed " + mebibytes + " MiB at " + loss + " loss: " + figures);
            assertEquals(framed, receiver.received(), figures);
            assertTrue(receiver.finReceived);
            assertArrayEquals(
                    Arrays.copyOfRange(image, (int) EXTENT_ADDRESS, (int) (EXTENT_ADDRESS + bytes)),
                    decrypt(receiver.collected, key, iv, bytes),
                    "every record decrypts to the drive's bytes: " + figures);
            assertEquals(0, disk.readsBeyondWindow, figures);
            assertEquals(0, drives.buffers().buffersInUse(), "every chunk buffer is back in the pool");
            if (loss == 0) {
                assertEquals(0, disk.retransmitReads, figures);
                // The records' plaintext is not one run of stream offsets, yet reads span several.
                assertTrue(
                        disk.readBytes > disk.reads * 2L * ChunkLayout.RECORD_BYTES,
                        "reads of several records: " + figures);
                assertTrue(disk.readBytes <= bytes + disk.reads * 2L * ChunkLayout.BLOCK_BYTES, figures);
            } else {
                assertTrue(disk.retransmitReads > 0, "losses were repaired by re-reading: " + figures);
            }
        }
    }

    /** Opens the TLS 1.3 records of {@code stream} (sequence numbers from 0) and returns their content. */
    private static byte[] decrypt(byte[] stream, byte[] key, byte[] iv, long bytes) throws Exception {
        final Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        final byte[] plain = new byte[(int) bytes];
        int at = 0;
        int out = 0;
        for (long seq = 0; at < stream.length; seq++) {
            assertEquals(RecordFormat.APPLICATION_DATA, stream[at], "record type at " + at);
            final int length = ((stream[at + 3] & 0xFF) << 8) | (stream[at + 4] & 0xFF);
            final byte[] nonce = iv.clone();
            for (int i = 0; i < 8; i++) {
                nonce[nonce.length - 1 - i] ^= (byte) (seq >>> (8 * i));
            }
            gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
            gcm.updateAAD(stream, at, RecordFormat.HEADER_BYTES);
            final byte[] inner = gcm.doFinal(stream, at + RecordFormat.HEADER_BYTES, length);
            assertEquals(RecordFormat.APPLICATION_DATA, inner[inner.length - 1], "inner content type");
            System.arraycopy(inner, 0, plain, out, inner.length - 1);
            out += inner.length - 1;
            at += RecordFormat.HEADER_BYTES + length;
        }
        assertEquals(bytes, out);
        return plain;
    }
}
