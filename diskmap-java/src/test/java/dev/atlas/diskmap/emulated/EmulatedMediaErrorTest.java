package dev.atlas.diskmap.emulated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.diskmap.CallbackRecorder;
import dev.atlas.diskmap.NvmeDevice;
import dev.atlas.diskmap.NvmeQueuePair;
import dev.atlas.diskmap.buffer.DmaBufferPool;
import dev.atlas.diskmap.nvme.NvmeStatus;
import dev.atlas.diskmap.transport.DiskmapException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** A bad region of the medium: reads touching it fail with an unrecovered read error, nothing else does. */
class EmulatedMediaErrorTest {
    private static final int BLOCK = 4096;
    private static final int BLOCKS = 256;
    private static final long BAD_FIRST = 100;
    private static final long BAD_BLOCKS = 8;
    /** What a buffer holds before a read, so a read that moved nothing is visible. */
    private static final byte UNTOUCHED = (byte) 0xEE;

    private static final String MEDIA_ERROR_TEXT = "unrecovered read error (media status 0x81, do not retry)";

    @TempDir
    Path dir;

    /** An image whose every byte names its block, so data read back shows where it came from. */
    private Path image() throws IOException {
        byte[] bytes = new byte[BLOCKS * BLOCK];
        for (int block = 0; block < BLOCKS; block++) {
            Arrays.fill(bytes, block * BLOCK, (block + 1) * BLOCK, (byte) block);
        }
        Path image = dir.resolve("media-" + System.nanoTime() + ".img");
        Files.write(image, bytes);
        return image;
    }

    private NvmeDevice open(EmulatedFaults faults, int maxTransferBytes) throws IOException {
        return NvmeDevice.open(
                image(),
                "emulated",
                NvmeDevice.Options.defaults()
                        .withQueueDepth(32)
                        .withMaxTransferBytes(maxTransferBytes)
                        .withFaults(faults));
    }

    private NvmeDevice open(EmulatedFaults faults) throws IOException {
        return open(faults, EmulatedTransport.DEFAULT_MAX_TRANSFER_BYTES);
    }

    private static EmulatedFaults badRegion() {
        return EmulatedFaults.seeded(5).mediaError(BAD_FIRST, BAD_BLOCKS);
    }

    private static void assertBlocks(MemorySegment buffer, long firstLba, int blocks) {
        for (int i = 0; i < blocks; i++) {
            byte[] expected = new byte[BLOCK];
            Arrays.fill(expected, (byte) (firstLba + i));
            assertArrayEquals(
                    expected,
                    buffer.asSlice((long) i * BLOCK, BLOCK).toArray(ValueLayout.JAVA_BYTE),
                    "block " + (firstLba + i));
        }
    }

    private static void assertUntouched(MemorySegment buffer, int blocks) {
        byte[] expected = new byte[blocks * BLOCK];
        Arrays.fill(expected, UNTOUCHED);
        assertArrayEquals(
                expected,
                buffer.asSlice(0, expected.length).toArray(ValueLayout.JAVA_BYTE),
                "a failed read moves no data");
    }

    private static void assertMediaError(int status) {
        assertEquals(NvmeStatus.UNRECOVERED_READ_ERROR, NvmeStatus.withoutFlags(status), NvmeStatus.describe(status));
        assertEquals(NvmeStatus.TYPE_MEDIA, NvmeStatus.type(status));
        assertTrue(NvmeStatus.doNotRetry(status), "a bad region fails the same way every time");
        assertEquals(EmulatedFaults.MEDIA_ERROR_STATUS, status);
    }

    @Test
    void statusReadsAsAnUnrecoveredReadError() {
        assertEquals(
                NvmeStatus.of(NvmeStatus.TYPE_MEDIA, 0x81), NvmeStatus.withoutFlags(EmulatedFaults.MEDIA_ERROR_STATUS));
        assertEquals(MEDIA_ERROR_TEXT, NvmeStatus.describe(EmulatedFaults.MEDIA_ERROR_STATUS));
    }

    /** Region 100..107: one block either side is readable, every read touching it is not. */
    @ParameterizedTest(name = "read of {1} blocks at LBA {0} fails: {2}")
    @CsvSource({
        "92, 8, false", // ends right before the region
        "108, 8, false", // starts right after it
        "99, 1, false",
        "100, 1, true", // first bad block
        "107, 1, true", // last bad block
        "102, 2, true", // inside
        "96, 8, true", // straddles the start
        "104, 8, true", // straddles the end
        "90, 30, true", // covers it whole
    })
    void syncReadsFailExactlyWhenTheyTouchTheRegion(long lba, int blocks, boolean fails) throws IOException {
        try (NvmeDevice device = open(badRegion())) {
            MemorySegment buffer = device.allocateBuffers(1, BLOCKS * BLOCK).buffer(0);
            buffer.fill(UNTOUCHED);
            if (!fails) {
                device.readSync(lba, blocks, buffer);
                assertBlocks(buffer, lba, blocks);
                return;
            }
            DiskmapException failure = assertThrows(DiskmapException.class, () -> device.readSync(lba, blocks, buffer));
            assertMediaError(failure.status());
            assertEquals(
                    "read of " + blocks + " blocks at LBA " + lba + " on " + device.description() + " failed: "
                            + MEDIA_ERROR_TEXT,
                    failure.getMessage());
            assertUntouched(buffer, blocks);
        }
    }

    @Test
    void asyncReadsReportTheStatusThroughTheirCallback() throws IOException {
        try (NvmeDevice device = open(badRegion())) {
            DmaBufferPool pool = device.allocateBuffers(3, 8 * BLOCK);
            pool.region().fill(UNTOUCHED);
            CallbackRecorder recorder = new CallbackRecorder(3);
            device.read(90, 8, pool.address(0), recorder, 0);
            device.read(104, 8, pool.address(1), recorder, 1);
            device.read(108, 8, pool.address(2), recorder, 2);
            recorder.drain(device.queuePair(), 3);
            assertArrayEquals(new int[] {1, 1, 1}, recorder.calls);
            assertEquals(NvmeStatus.SUCCESS, recorder.statuses[0]);
            assertMediaError(recorder.statuses[1]);
            assertEquals(NvmeStatus.SUCCESS, recorder.statuses[2]);
            assertBlocks(pool.buffer(0), 90, 8);
            assertUntouched(pool.buffer(1), 8);
            assertBlocks(pool.buffer(2), 108, 8);
            assertEquals(1, device.queuePair().failedRequests());
        }
    }

    /**
     * Two blocks per command: a 48-block read is 24 commands, completed out of order with
     * delays, exactly one of which meets the single bad block. The request still calls back
     * once, with the media error, and a neighbouring request is unaffected.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 17, 99})
    void splitRequestReportsTheMediaErrorOnce(long seed) throws IOException {
        EmulatedFaults faults =
                EmulatedFaults.seeded(seed).outOfOrder(true).delayPolls(0, 3).mediaError(150, 1);
        try (NvmeDevice device = open(faults, 2 * BLOCK)) {
            NvmeQueuePair queuePair = device.queuePair();
            DmaBufferPool pool = device.allocateBuffers(2, 48 * BLOCK);
            pool.region().fill(UNTOUCHED);
            CallbackRecorder recorder = new CallbackRecorder(2);
            queuePair.read(120, 48, pool.address(0), recorder, 0);
            queuePair.read(0, 8, pool.address(1), recorder, 1);
            assertEquals(28, queuePair.submittedCommands(), "the large read was split into 2-block commands");
            recorder.drain(queuePair, 2);
            for (int spin = 0; spin < 100; spin++) {
                queuePair.consumeCompletions(Integer.MAX_VALUE);
                queuePair.cqsync();
            }
            assertArrayEquals(new int[] {1, 1}, recorder.calls, "one callback per request");
            assertMediaError(recorder.statuses[0]);
            assertEquals(NvmeStatus.SUCCESS, recorder.statuses[1]);
            assertBlocks(pool.buffer(1), 0, 8);
            assertEquals(0, queuePair.commandsInFlight());
            assertEquals(28, queuePair.completedCommands());
        }
    }

    /** Reads spanning PRP lists (default 128 KiB transfers) and a buffer that starts mid-page. */
    @Test
    void prpListsAndUnalignedBuffersKeepWorking() throws IOException {
        try (NvmeDevice device = open(badRegion())) {
            DmaBufferPool pool = device.allocateBuffers(1, 64 * BLOCK);
            MemorySegment unaligned = pool.buffer(0).asSlice(Integer.BYTES);
            device.readSync(40, 40, unaligned);
            assertBlocks(unaligned, 40, 40);
            unaligned.fill(UNTOUCHED);
            DiskmapException failure = assertThrows(DiskmapException.class, () -> device.readSync(80, 40, unaligned));
            assertMediaError(failure.status());
            // Of the two commands (LBAs 80..111 and 112..119) only the first meets the region;
            // the second moves its blocks, as a real drive would.
            assertUntouched(unaligned, 32);
            assertBlocks(unaligned.asSlice(32L * BLOCK), 112, 8);
        }
    }

    @Test
    void writesAndFlushesOverTheRegionSucceedButItStaysUnreadable() throws IOException {
        try (NvmeDevice device = open(badRegion())) {
            MemorySegment buffer = device.allocateBuffers(1, 16 * BLOCK).buffer(0);
            buffer.fill((byte) 0x5A);
            device.writeSync(96, 16, buffer);
            device.flushSync();
            byte[] onDisk = Files.readAllBytes(((EmulatedTransport) device.transport()).image());
            byte[] written = new byte[16 * BLOCK];
            Arrays.fill(written, (byte) 0x5A);
            assertArrayEquals(written, Arrays.copyOfRange(onDisk, 96 * BLOCK, 112 * BLOCK));
            assertMediaError(assertThrows(DiskmapException.class, () -> device.readSync(100, 1, buffer))
                    .status());
            device.readSync(108, 4, buffer);
            assertArrayEquals(
                    Arrays.copyOf(written, 4 * BLOCK),
                    buffer.asSlice(0, 4 * BLOCK).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void severalRegionsEachFail() throws IOException {
        EmulatedFaults faults = EmulatedFaults.none().mediaError(10, 1).mediaError(200, 4);
        try (NvmeDevice device = open(faults)) {
            MemorySegment buffer = device.allocateBuffers(1, 8 * BLOCK).buffer(0);
            assertMediaError(assertThrows(DiskmapException.class, () -> device.readSync(8, 4, buffer))
                    .status());
            assertMediaError(assertThrows(DiskmapException.class, () -> device.readSync(203, 2, buffer))
                    .status());
            device.readSync(11, 8, buffer);
            assertBlocks(buffer, 11, 8);
            device.readSync(204, 8, buffer);
            assertBlocks(buffer, 204, 8);
        }
    }

    /** Adding a bad region must not reshuffle what else goes wrong under the same seed. */
    @Test
    void aRegionLeavesTheFateOfOtherCommandsUnchanged() throws IOException {
        EmulatedFaults plain =
                EmulatedFaults.seeded(21).outOfOrder(true).delayPolls(0, 2).errorRate(0.3);
        EmulatedFaults withRegion = EmulatedFaults.seeded(21)
                .outOfOrder(true)
                .delayPolls(0, 2)
                .errorRate(0.3)
                .mediaError(BAD_FIRST, BAD_BLOCKS);
        int[] plainStatuses = readEveryBlockOnce(plain);
        int[] regionStatuses = readEveryBlockOnce(withRegion);
        for (int lba = 0; lba < BLOCKS; lba++) {
            boolean bad = lba >= BAD_FIRST && lba < BAD_FIRST + BAD_BLOCKS;
            if (bad && plainStatuses[lba] == NvmeStatus.SUCCESS) {
                assertMediaError(regionStatuses[lba]);
            } else {
                assertEquals(plainStatuses[lba], regionStatuses[lba], "LBA " + lba);
            }
        }
    }

    private int[] readEveryBlockOnce(EmulatedFaults faults) throws IOException {
        final int batch = 16;
        try (NvmeDevice device = open(faults)) {
            DmaBufferPool pool = device.allocateBuffers(batch, BLOCK);
            CallbackRecorder recorder = new CallbackRecorder(BLOCKS);
            for (int lba = 0; lba < BLOCKS; lba += batch) {
                for (int i = 0; i < batch; i++) {
                    device.read(lba + i, 1, pool.address(i), recorder, lba + i);
                }
                recorder.drain(device.queuePair(), lba + batch);
            }
            return recorder.statuses;
        }
    }

    @Test
    void aRegionPastTheNamespaceIsRefusedAtOpen() throws IOException {
        DiskmapException refused = assertThrows(
                DiskmapException.class, () -> open(EmulatedFaults.none().mediaError(250, 10)));
        assertTrue(
                refused.getMessage()
                        .endsWith(": the media error at LBAs 250..259 reaches past the last LBA 255"
                                + " of this 256-block namespace; choose a region inside it"),
                refused.getMessage());
    }

    @Test
    void impossibleRegionsAreRefused() {
        EmulatedFaults plan = EmulatedFaults.none();
        assertEquals(
                "a media error starts at an LBA of 0 or more, not -1",
                assertThrows(IllegalArgumentException.class, () -> plan.mediaError(-1, 1))
                        .getMessage());
        assertEquals(
                "a media error covers at least one block, not 0",
                assertThrows(IllegalArgumentException.class, () -> plan.mediaError(0, 0))
                        .getMessage());
        assertEquals(
                "a media error at LBA " + (Long.MAX_VALUE - 1) + "+2 runs past the largest possible LBA",
                assertThrows(IllegalArgumentException.class, () -> plan.mediaError(Long.MAX_VALUE - 1, 2))
                        .getMessage());
        for (int i = 0; i < 64; i++) {
            plan.mediaError(i, 1);
        }
        assertEquals(
                "at most 64 media errors",
                assertThrows(IllegalArgumentException.class, () -> plan.mediaError(100, 1))
                        .getMessage());
    }
}
