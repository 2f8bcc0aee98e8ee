package dev.atlas.diskmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.diskmap.buffer.DmaBufferPool;
import dev.atlas.diskmap.emulated.EmulatedFaults;
import dev.atlas.diskmap.emulated.EmulatedTransport;
import dev.atlas.diskmap.nvme.NvmeCommand;
import dev.atlas.diskmap.nvme.NvmeCommandDescriptor;
import dev.atlas.diskmap.nvme.NvmeOpcode;
import dev.atlas.diskmap.nvme.NvmeStatus;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The queue pair driver against the emulated controller. */
class NvmeQueuePairTest {
    private static final int BLOCK = 4096;
    private static final ValueLayout.OfLong PRP = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    private Path image(long blocks) throws IOException {
        Path image = dir.resolve("qp-" + System.nanoTime() + ".img");
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.truncate(blocks * BLOCK);
            channel.write(java.nio.ByteBuffer.wrap(new byte[] {0}), blocks * BLOCK - 1);
        }
        return image;
    }

    private NvmeDevice device(long blocks, int depth, int maxTransfer, EmulatedFaults faults) throws IOException {
        return NvmeDevice.over(
                EmulatedTransport.open(image(blocks), depth, BLOCK, maxTransfer, faults), Duration.ofSeconds(10));
    }

    @Test
    @SuppressWarnings("restricted") // reads the PRP list at the address the driver put in PRP2
    void buildsPrpEntriesForPageStraddlingBuffers() throws IOException {
        try (NvmeDevice device = device(64, 8, 128 * 1024, EmulatedFaults.none())) {
            NvmeQueuePair queuePair = device.queuePair();
            DmaBufferPool pool = device.allocateBuffers(1, 8 * BLOCK);
            long base = pool.address(0);
            MemorySegment sq = device.transport().submissionQueue();
            NvmeCommand entry = new NvmeCommand();
            CallbackRecorder recorder = new CallbackRecorder(4);

            // Within one page: PRP2 unused.
            queuePair.read(0, 1, base, recorder, 0);
            entry.wrap(sq, 0);
            assertEquals(base, entry.prp1());
            assertEquals(0L, entry.prp2());
            assertEquals(NvmeOpcode.READ, entry.opcode());

            // 4 KiB starting mid-page: two pages, PRP2 is the second page itself.
            queuePair.read(0, 1, base + 1024, recorder, 1);
            entry.wrap(sq, NvmeCommandDescriptor.LENGTH);
            assertEquals(base + 1024, entry.prp1());
            assertEquals(base + BLOCK, entry.prp2());

            // 12 KiB starting mid-page: four pages, PRP2 points to a list of the three after the first.
            queuePair.write(10, 3, base + 1024, recorder, 2);
            entry.wrap(sq, 2L * NvmeCommandDescriptor.LENGTH);
            assertEquals(base + 1024, entry.prp1());
            long list = entry.prp2();
            assertEquals(0, list % BLOCK, "a PRP list starts on a page");
            MemorySegment listPage = MemorySegment.ofAddress(list).reinterpret(BLOCK);
            for (int i = 0; i < 3; i++) {
                assertEquals(base + (long) (i + 1) * BLOCK, listPage.get(PRP, i * 8L));
            }
            // Page aligned 8 KiB: exactly two pages, no list.
            queuePair.write(20, 2, base, recorder, 3);
            entry.wrap(sq, 3L * NvmeCommandDescriptor.LENGTH);
            assertEquals(base + BLOCK, entry.prp2());
            assertEquals(2, entry.numberOfBlocks());
            assertEquals(20, entry.startingLba());

            recorder.drain(queuePair, 4);
            assertArrayEquals(new int[] {1, 1, 1, 1}, recorder.calls);
            assertArrayEquals(new int[4], recorder.statuses);
        }
    }

    @Test
    void splitsRequestsLargerThanMdtsAndCompletesThemOnce() throws IOException {
        // MDTS 8 KiB: a 10-block request becomes five 2-block commands.
        try (NvmeDevice device = device(
                256, 16, 2 * BLOCK, EmulatedFaults.seeded(11).outOfOrder(true).delayPolls(0, 4))) {
            NvmeQueuePair queuePair = device.queuePair();
            DmaBufferPool pool = device.allocateBuffers(2, 16 * BLOCK);
            byte[] pattern = new byte[10 * BLOCK];
            new Random(5).nextBytes(pattern);
            MemorySegment.copy(MemorySegment.ofArray(pattern), 0, pool.buffer(0), 0, pattern.length);
            CallbackRecorder recorder = new CallbackRecorder(2);
            assertEquals(2, queuePair.maxBlocksPerCommand());

            queuePair.write(40, 10, pool.address(0), recorder, 0);
            assertEquals(5, queuePair.commandsInFlight());
            assertEquals(1, queuePair.requestsInFlight());
            NvmeCommand entry = new NvmeCommand();
            for (int i = 0; i < 5; i++) {
                entry.wrap(device.transport().submissionQueue(), (long) i * NvmeCommandDescriptor.LENGTH);
                assertEquals(40 + 2L * i, entry.startingLba());
                assertEquals(2, entry.numberOfBlocks());
                assertEquals(pool.address(0) + (long) i * 2 * BLOCK, entry.prp1());
            }
            recorder.drain(queuePair, 1);
            queuePair.read(40, 10, pool.address(1), recorder, 1);
            recorder.drain(queuePair, 2);
            assertArrayEquals(new int[] {1, 1}, recorder.calls);
            assertArrayEquals(new int[] {0, 0}, recorder.statuses);
            assertArrayEquals(pattern, pool.buffer(1).asSlice(0, pattern.length).toArray(ValueLayout.JAVA_BYTE));
            byte[] onDisk = Files.readAllBytes(((EmulatedTransport) device.transport()).image());
            assertArrayEquals(pattern, java.util.Arrays.copyOfRange(onDisk, 40 * BLOCK, 50 * BLOCK));
            assertEquals(0, queuePair.commandsInFlight());
        }
    }

    @Test
    void splitRequestReportsTheFirstErrorOnce() throws IOException {
        // Commands 1-5 belong to the one request; the 3rd and 5th fail, completion order is random.
        try (NvmeDevice device = device(
                256,
                16,
                2 * BLOCK,
                EmulatedFaults.seeded(3)
                        .outOfOrder(true)
                        .failCommand(3, NvmeStatus.UNRECOVERED_READ_ERROR)
                        .failCommand(5, NvmeStatus.INTERNAL_ERROR))) {
            DmaBufferPool pool = device.allocateBuffers(1, 16 * BLOCK);
            CallbackRecorder recorder = new CallbackRecorder(1);
            device.read(0, 10, pool.address(0), recorder, 0);
            recorder.drain(device.queuePair(), 1);
            assertEquals(1, recorder.calls[0]);
            int status = recorder.statuses[0];
            assertTrue(
                    status == NvmeStatus.UNRECOVERED_READ_ERROR || status == NvmeStatus.INTERNAL_ERROR,
                    NvmeStatus.describe(status));
            assertEquals(0, device.queuePair().commandsInFlight());
        }
    }

    @Test
    void phaseTagSurvivesManyQueueRotations() throws IOException {
        int depth = 4;
        int requests = 20_000; // 5,000 rotations of a 4-entry CQ
        try (NvmeDevice device = device(
                64, depth, BLOCK, EmulatedFaults.seeded(9).outOfOrder(true).delayPolls(0, 2))) {
            NvmeQueuePair queuePair = device.queuePair();
            DmaBufferPool pool = device.allocateBuffers(depth, BLOCK);
            CallbackRecorder recorder = new CallbackRecorder(requests);
            int submitted = 0;
            while (recorder.total < requests) {
                while (submitted < requests
                        && queuePair.read(submitted % 64, 1, pool.address(submitted % depth), recorder, submitted)
                                >= 0) {
                    submitted++;
                }
                queuePair.sqsync();
                if (queuePair.consumeCompletions(depth) > 0) {
                    queuePair.cqsync();
                }
            }
            for (int i = 0; i < requests; i++) {
                assertEquals(1, recorder.calls[i], "request " + i);
                assertEquals(0, recorder.statuses[i], "request " + i);
            }
            assertEquals(requests, queuePair.completedCommands());
        }
    }

    @Test
    void reportsQueueFullWithoutBlocking() throws IOException {
        int depth = 8;
        try (NvmeDevice device = device(64, depth, 2 * BLOCK, EmulatedFaults.none())) {
            NvmeQueuePair queuePair = device.queuePair();
            DmaBufferPool pool = device.allocateBuffers(1, 16 * BLOCK);
            CallbackRecorder recorder = new CallbackRecorder(32);
            for (int i = 0; i < depth - 2; i++) {
                assertTrue(queuePair.read(i, 1, pool.address(0), recorder, i) >= 0);
            }
            assertEquals(
                    NvmeQueuePair.QUEUE_FULL,
                    queuePair.read(0, 4, pool.address(0), recorder, 20),
                    "a 2-command request does not fit in the one free slot");
            assertTrue(queuePair.flush(recorder, depth - 2) >= 0);
            assertEquals(NvmeQueuePair.QUEUE_FULL, queuePair.read(0, 1, pool.address(0), recorder, 21));
            assertEquals(0, queuePair.submissionSlotsFree());
            IllegalArgumentException tooLarge = assertThrows(
                    IllegalArgumentException.class, () -> queuePair.read(0, 16, pool.address(0), recorder, 22));
            assertEquals(
                    "a request of 16 blocks needs 8 commands, more than this queue of depth 8 can hold; split it",
                    tooLarge.getMessage());
            recorder.drain(queuePair, depth - 1);
            assertEquals(depth - 1, queuePair.submissionSlotsFree());
            assertTrue(queuePair.read(0, 4, pool.address(0), recorder, 20) >= 0);
            recorder.drain(queuePair, depth);
        }
    }

    @Test
    void closeAbortsRequestsInFlightAndRefusesFurtherCalls() throws IOException {
        NvmeDevice device = device(64, 8, BLOCK, EmulatedFaults.seeded(1).delayPolls(1000, 1000));
        NvmeQueuePair queuePair = device.queuePair();
        DmaBufferPool pool = device.allocateBuffers(1, BLOCK);
        CallbackRecorder recorder = new CallbackRecorder(3);
        queuePair.read(0, 1, pool.address(0), recorder, 0);
        queuePair.write(1, 1, pool.address(0), recorder, 1);
        queuePair.flush(recorder, 2);
        queuePair.sqsync();
        queuePair.consumeCompletions(8);
        assertEquals(0, recorder.total, "the controller holds them for 1000 polls");
        device.close();
        assertArrayEquals(new int[] {1, 1, 1}, recorder.calls);
        for (int status : recorder.statuses) {
            assertEquals(NvmeStatus.ABORTED_SQ_DELETION, status);
        }
        IllegalStateException closed =
                assertThrows(IllegalStateException.class, () -> queuePair.read(0, 1, pool.address(0), recorder, 0));
        assertEquals(
                "queue pair on emulated transport is closed; open the device again to submit I/O", closed.getMessage());
        assertThrows(IllegalStateException.class, queuePair::sqsync);
        assertThrows(IllegalStateException.class, () -> queuePair.consumeCompletions(1));
        assertThrows(IllegalStateException.class, queuePair::cqsync);
        assertThrows(IllegalStateException.class, () -> device.readSync(0, 1, pool.buffer(0)));
        device.close(); // twice is harmless
        assertArrayEquals(new int[] {1, 1, 1}, recorder.calls);
    }

    @Test
    void faultsSurfaceWithTheirStatusAndEveryCallbackRunsOnce() throws IOException {
        int requests = 20_000;
        EmulatedFaults faults =
                EmulatedFaults.seeded(42).outOfOrder(true).delayPolls(0, 5).errorRate(0.05);
        try (NvmeDevice device = device(1024, 32, 4 * BLOCK, faults)) {
            NvmeQueuePair queuePair = device.queuePair();
            DmaBufferPool pool = device.allocateBuffers(31, 8 * BLOCK);
            CallbackRecorder recorder = new CallbackRecorder(requests);
            int[] kinds = new int[requests];
            Random random = new Random(42);
            int submitted = 0;
            while (recorder.total < requests) {
                while (submitted < requests) {
                    int kind = random.nextInt(3);
                    int blocks = 1 + random.nextInt(8);
                    long address = pool.address(submitted % 31);
                    int id = switch (kind) {
                        case 0 -> queuePair.read(random.nextInt(1000), blocks, address, recorder, submitted);
                        case 1 -> queuePair.write(random.nextInt(1000), blocks, address, recorder, submitted);
                        default -> queuePair.flush(recorder, submitted);
                    };
                    if (id == NvmeQueuePair.QUEUE_FULL) {
                        break;
                    }
                    kinds[submitted++] = kind;
                }
                queuePair.sqsync();
                if (queuePair.consumeCompletions(32) > 0) {
                    queuePair.cqsync();
                }
            }
            int failures = 0;
            for (int i = 0; i < requests; i++) {
                assertEquals(1, recorder.calls[i], "request " + i + " callbacks");
                int status = recorder.statuses[i];
                if (status != NvmeStatus.SUCCESS) {
                    failures++;
                    int expected = switch (kinds[i]) {
                        case 0 -> NvmeStatus.UNRECOVERED_READ_ERROR;
                        case 1 -> NvmeStatus.WRITE_FAULT;
                        default -> NvmeStatus.INTERNAL_ERROR;
                    };
                    assertEquals(expected, status, "request " + i + ": " + NvmeStatus.describe(status));
                }
            }
            // About 5% of commands fail; requests of two commands fail a little more often.
            assertTrue(failures > requests * 0.03 && failures < requests * 0.10, "failures: " + failures);
            assertEquals(failures, queuePair.failedRequests());
            assertEquals(requests, queuePair.completedRequests());
            assertEquals(0, queuePair.requestsInFlight());
        }
    }

    @Test
    void completionsWaitForTheHeadDoorbell() throws IOException {
        int depth = 4;
        try (NvmeDevice device = device(64, depth, BLOCK, EmulatedFaults.none())) {
            NvmeQueuePair queuePair = device.queuePair();
            DmaBufferPool pool = device.allocateBuffers(1, BLOCK);
            CallbackRecorder recorder = new CallbackRecorder(6);
            for (int i = 0; i < 3; i++) {
                queuePair.read(i, 1, pool.address(0), recorder, i);
            }
            queuePair.sqsync();
            assertEquals(3, queuePair.consumeCompletions(10));
            for (int i = 3; i < 6; i++) {
                assertTrue(queuePair.read(i, 1, pool.address(0), recorder, i) >= 0);
            }
            queuePair.sqsync();
            assertEquals(0, queuePair.consumeCompletions(10), "no CQ room until cqsync");
            assertEquals(1, queuePair.cqsync());
            assertEquals(0, queuePair.cqsync(), "nothing new to release");
            assertEquals(3, queuePair.consumeCompletions(10));
            assertEquals(6, recorder.total);
        }
    }
}
