package dev.atlas.catalogue.device;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.catalogue.CatalogueLayout;
import dev.atlas.catalogue.TestImages;
import dev.atlas.catalogue.error.CatalogueException;
import dev.atlas.diskmap.NvmeDevice;
import dev.atlas.diskmap.emulated.EmulatedFaults;
import dev.atlas.diskmap.nvme.NvmeStatus;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link DiskmapBlockDevice#startWrite}: tickets stay right when the controller completes writes
 * out of order and slots are reused many times over; a failed write is reported once, by the
 * next wait; and a flush waits for the writes still in flight.
 */
class StartedWritesTest {

    private static final int BLOCK = CatalogueLayout.BLOCK_SIZE;
    private static final int QUEUE_DEPTH = 8;
    private static final int BUFFERS = 5;
    private static final int CHUNK_BLOCKS = 4;
    private static final int CHUNKS = 60;

    private Path dir;
    private Path image;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestImages.scratch("started-writes");
        image = TestImages.image(dir, "dev.img", (long) CHUNKS * CHUNK_BLOCKS * BLOCK);
    }

    @AfterEach
    void tearDown() throws IOException {
        TestImages.deleteTree(dir);
    }

    private DiskmapBlockDevice open(EmulatedFaults faults) {
        return DiskmapBlockDevice.open(
                image,
                "emulated",
                NvmeDevice.Options.defaults()
                        .withBlockSize(512)
                        .withQueueDepth(QUEUE_DEPTH)
                        .withFaults(faults));
    }

    @Test
    void outOfOrderCompletionsAndReusedSlotsKeepEveryChunk() {
        try (DiskmapBlockDevice device =
                open(EmulatedFaults.seeded(11).outOfOrder(true).delayPolls(0, 40))) {
            final MemorySegment all = device.allocateBuffer((long) BUFFERS * CHUNK_BLOCKS * BLOCK);
            final long[] tickets = new long[BUFFERS];
            java.util.Arrays.fill(tickets, BlockDevice.NO_TICKET);
            for (int chunk = 0; chunk < CHUNKS; chunk++) {
                final int b = chunk % BUFFERS;
                device.awaitWrite(tickets[b]);
                final MemorySegment buffer = all.asSlice((long) b * CHUNK_BLOCKS * BLOCK, (long) CHUNK_BLOCKS * BLOCK);
                fill(buffer, chunk);
                tickets[b] = device.startWrite((long) chunk * CHUNK_BLOCKS, buffer);
                assertTrue(tickets[b] >= 0, "a queued write has a ticket");
            }
            device.flush();
            final MemorySegment back = device.allocateBuffer((long) CHUNK_BLOCKS * BLOCK);
            for (int chunk = 0; chunk < CHUNKS; chunk++) {
                device.read((long) chunk * CHUNK_BLOCKS, back);
                assertEquals(-1L, mismatchAt(back, chunk), "chunk " + chunk + " read back differs");
            }
        }
    }

    @Test
    void aFailedWriteIsReportedOnceByTheNextWait() {
        final int failing = 5;
        try (DiskmapBlockDevice device =
                open(EmulatedFaults.none().failCommand(failing, NvmeStatus.WRITE_FAULT | NvmeStatus.DO_NOT_RETRY))) {
            final MemorySegment all = device.allocateBuffer((long) BUFFERS * CHUNK_BLOCKS * BLOCK);
            for (int chunk = 0; chunk < BUFFERS; chunk++) {
                final MemorySegment buffer =
                        all.asSlice((long) chunk * CHUNK_BLOCKS * BLOCK, (long) CHUNK_BLOCKS * BLOCK);
                fill(buffer, chunk);
                device.startWrite((long) chunk * CHUNK_BLOCKS, buffer);
            }
            final CatalogueException e = assertThrows(CatalogueException.class, device::awaitWrites);
            assertTrue(
                    e.getMessage()
                            .startsWith("writing " + image + " at LBA " + (failing - 1) * CHUNK_BLOCKS + " failed: "),
                    e.getMessage());
            assertDoesNotThrow(device::awaitWrites, "reported once");
            assertDoesNotThrow(device::flush);
        }
    }

    @Test
    void theDefaultWritesAtOnce() {
        final MemorySegment[] seen = new MemorySegment[1];
        final BlockDevice synchronous = new BlockDevice() {
            @Override
            public Path path() {
                return image;
            }

            @Override
            public int blockSize() {
                return BLOCK;
            }

            @Override
            public long blockCount() {
                return 1;
            }

            @Override
            public MemorySegment allocateBuffer(long bytes) {
                return MemorySegment.ofArray(new byte[(int) bytes]);
            }

            @Override
            public void read(long lba, MemorySegment buffer) {}

            @Override
            public void write(long lba, MemorySegment buffer) {
                seen[0] = buffer;
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        final MemorySegment buffer = synchronous.allocateBuffer(BLOCK);
        assertEquals(BlockDevice.NO_TICKET, synchronous.startWrite(0, buffer));
        assertEquals(buffer, seen[0], "written before startWrite returned");
        assertDoesNotThrow(() -> synchronous.awaitWrite(BlockDevice.NO_TICKET));
    }

    private static void fill(MemorySegment buffer, int chunk) {
        for (long i = 0; i < buffer.byteSize() / Long.BYTES; i++) {
            buffer.setAtIndex(ValueLayout.JAVA_LONG, i, chunk * 1_000_003L + i);
        }
    }

    private static long mismatchAt(MemorySegment buffer, int chunk) {
        for (long i = 0; i < buffer.byteSize() / Long.BYTES; i++) {
            if (buffer.getAtIndex(ValueLayout.JAVA_LONG, i) != chunk * 1_000_003L + i) {
                return i;
            }
        }
        return -1;
    }
}
