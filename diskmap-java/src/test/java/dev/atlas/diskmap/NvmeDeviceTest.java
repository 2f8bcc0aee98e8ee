package dev.atlas.diskmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.atlas.diskmap.buffer.DmaBufferPool;
import dev.atlas.diskmap.emulated.EmulatedFaults;
import dev.atlas.diskmap.nvme.NvmeStatus;
import dev.atlas.diskmap.transport.DiskmapException;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The library API as tools use it: open by transport name, blocking calls, operator errors. */
class NvmeDeviceTest {
    @TempDir
    Path dir;

    @Test
    void blockingReadWriteFlushRoundTrip() throws IOException {
        Path image = dir.resolve("device.img");
        Files.write(image, new byte[1 << 20]);
        byte[] data = new byte[3 * 4096];
        new Random(1).nextBytes(data);
        try (NvmeDevice device = NvmeDevice.open(image, "emulated")) {
            assertEquals(4096, device.geometry().blockSize());
            assertEquals(256, device.geometry().blockCount());
            assertEquals("emulated:" + image, device.description());
            DmaBufferPool pool = device.allocateBuffers(2, 4 * 4096);
            java.lang.foreign.MemorySegment.copy(
                    java.lang.foreign.MemorySegment.ofArray(data), 0, pool.buffer(0), 0, data.length);
            device.writeSync(100, 3, pool.buffer(0));
            device.flushSync();
            device.readSync(100, 3, pool.buffer(1));
            assertArrayEquals(data, pool.buffer(1).asSlice(0, data.length).toArray(ValueLayout.JAVA_BYTE));
        }
        assertArrayEquals(data, Arrays.copyOfRange(Files.readAllBytes(image), 100 * 4096, 103 * 4096));
    }

    @Test
    void transportsAreChosenByEnum() throws IOException {
        Path image = dir.resolve("named.img");
        Files.write(image, new byte[1 << 20]);
        byte[] data = new byte[8192];
        new Random(2).nextBytes(data);
        int blockSize;
        try (NvmeDevice device = NvmeDevice.open(
                image, Transport.FILE, NvmeDevice.Options.defaults().withQueueDepth(8))) {
            assertEquals("file", device.transport().name());
            blockSize = device.geometry().blockSize();
            DmaBufferPool pool = device.allocateBuffers(2, 8192);
            java.lang.foreign.MemorySegment.copy(
                    java.lang.foreign.MemorySegment.ofArray(data), 0, pool.buffer(0), 0, data.length);
            int blocks = data.length / blockSize;
            device.writeSync(8, blocks, pool.buffer(0));
            device.flushSync();
            device.readSync(8, blocks, pool.buffer(1));
            assertArrayEquals(data, pool.buffer(1).toArray(ValueLayout.JAVA_BYTE));
        }
        byte[] onDisk = Files.readAllBytes(image);
        assertArrayEquals(data, Arrays.copyOfRange(onDisk, 8 * blockSize, 8 * blockSize + data.length));
    }

    @Test
    void blockingCallsSplitRequestsLargerThanTheQueueHolds() throws IOException {
        Path image = dir.resolve("narrow.img");
        Files.write(image, new byte[64 * 4096]);
        // Depth 4 and a 4 KiB MDTS: one request carries at most 3 blocks.
        NvmeDevice.Options options =
                NvmeDevice.Options.defaults().withQueueDepth(4).withMaxTransferBytes(4096);
        byte[] data = new byte[10 * 4096];
        new Random(3).nextBytes(data);
        try (NvmeDevice device = NvmeDevice.open(image, "emulated", options)) {
            assertEquals(3, device.queuePair().maxRequestBlocks());
            DmaBufferPool pool = device.allocateBuffers(2, data.length);
            java.lang.foreign.MemorySegment.copy(
                    java.lang.foreign.MemorySegment.ofArray(data), 0, pool.buffer(0), 0, data.length);
            device.writeSync(5, 10, pool.buffer(0));
            device.readSync(5, 10, pool.buffer(1));
            assertArrayEquals(data, pool.buffer(1).toArray(ValueLayout.JAVA_BYTE));
            // Tools may register many small pools.
            for (int i = 0; i < 100; i++) {
                device.readSync(i % 64, 1, device.allocateBuffers(1, 4096).buffer(0));
            }
        }
        assertArrayEquals(data, Arrays.copyOfRange(Files.readAllBytes(image), 5 * 4096, 15 * 4096));
    }

    @Test
    void deviceErrorsAreSentencesWithTheStatus() throws IOException {
        Path image = dir.resolve("small.img");
        Files.write(image, new byte[16 * 4096]);
        try (NvmeDevice device = NvmeDevice.open(image, "emulated")) {
            DmaBufferPool pool = device.allocateBuffers(1, 4096);
            DiskmapException e = assertThrows(DiskmapException.class, () -> device.readSync(16, 1, pool.buffer(0)));
            assertEquals(NvmeStatus.LBA_OUT_OF_RANGE | NvmeStatus.DO_NOT_RETRY, e.status());
            assertEquals(
                    "read of 1 blocks at LBA 16 on emulated:" + image
                            + " failed: LBA out of range (generic status 0x80, do not retry)",
                    e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> device.readSync(0, 2, pool.buffer(0)));
        }
    }

    @Test
    void openingFailuresSayWhatToDo() {
        Path missing = dir.resolve("missing.img");
        DiskmapException noFile = assertThrows(DiskmapException.class, () -> NvmeDevice.open(missing, "emulated"));
        assertEquals(
                "cannot open " + missing + " with the emulated transport: image file " + missing
                        + " does not exist; create it (e.g. `truncate -s 1G " + missing
                        + "`) or format a catalogue on it first",
                noFile.getMessage());
        DiskmapException notAFile = assertThrows(DiskmapException.class, () -> NvmeDevice.open(dir, "emulated"));
        assertEquals(
                "cannot open " + dir + " with the emulated transport: " + dir + " is not a regular file; the"
                        + " emulated transport serves image files (use the file or passthru transport for block and NVMe"
                        + " devices)",
                notAFile.getMessage());
        DiskmapException unknown = assertThrows(DiskmapException.class, () -> NvmeDevice.open(missing, "bogus"));
        assertEquals(
                true,
                unknown.getMessage().startsWith("cannot open " + missing + ": unknown transport 'bogus'"),
                unknown.getMessage());
    }

    @Test
    void blockingCallsGiveUpOnASilentDevice() throws IOException {
        Path image = dir.resolve("silent.img");
        Files.write(image, new byte[16 * 4096]);
        NvmeDevice.Options options = NvmeDevice.Options.defaults()
                .withSyncTimeout(Duration.ofMillis(200))
                .withFaults(EmulatedFaults.seeded(1).delayPolls(Integer.MAX_VALUE / 2, Integer.MAX_VALUE / 2));
        try (NvmeDevice device = NvmeDevice.open(image, "emulated", options)) {
            DiskmapException e = assertThrows(DiskmapException.class, device::flushSync);
            assertEquals(
                    "flush on emulated:" + image + " did not complete within 200 ms; the device is not answering",
                    e.getMessage());
        }
    }
}
