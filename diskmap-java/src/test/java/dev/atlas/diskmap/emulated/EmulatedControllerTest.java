package dev.atlas.diskmap.emulated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.atlas.diskmap.nvme.NvmeCompletion;
import dev.atlas.diskmap.nvme.NvmeStatus;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The controller model on hand-written queue entries: validation, PRP walking, CQ flow control. */
class EmulatedControllerTest {
    private static final int BLOCK = 4096;
    private static final ValueLayout.OfLong PRP = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    private Path image(long bytes) throws IOException {
        Path image = dir.resolve("controller.img");
        try (var channel = java.nio.channels.FileChannel.open(
                image, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(bytes);
            channel.write(java.nio.ByteBuffer.wrap(new byte[] {0}), bytes - 1);
        }
        return image;
    }

    @Test
    void validatesCommandsWithNvmeStatusCodes() throws IOException {
        try (Arena arena = Arena.ofConfined();
                EmulatedTransport transport =
                        EmulatedTransport.open(image(256L * BLOCK), 16, BLOCK, 4 * BLOCK, EmulatedFaults.none())) {
            MemorySegment buffer = arena.allocate(8 * BLOCK, BLOCK);
            MemorySegment unregistered = arena.allocate(BLOCK, BLOCK);
            transport.registerMemory(buffer);
            long base = buffer.address();
            RawQueues queues = new RawQueues(transport);

            queues.next().readBlocks(1, 1, 0, 1, base, 0).opcode(0x7F);
            queues.queued();
            queues.next().readBlocks(2, 2, 0, 1, base, 0);
            queues.queued();
            queues.next().readBlocks(3, 1, 255, 2, base, base + BLOCK);
            queues.queued();
            queues.next().readBlocks(4, 1, 0, 5, base, 0);
            queues.queued();
            queues.next().readBlocks(5, 1, 0, 1, base + 2, 0);
            queues.queued();
            queues.next().readBlocks(6, 1, 0, 2, base, base + BLOCK + 8);
            queues.queued();
            queues.next().readBlocks(7, 1, 0, 1, unregistered.address(), 0);
            queues.queued();
            queues.next().readBlocks(8, 1, 0, 1, base, 0).flags(0x40);
            queues.queued();
            queues.next().readBlocks(9, 1, 255, 1, base + 100, base + BLOCK); // straddles two pages
            queues.queued();
            queues.next().flush(10, 0xFFFFFFFF);
            queues.queued();
            queues.ring();
            assertEquals(10, transport.poll());

            int[] expected = {
                NvmeStatus.INVALID_OPCODE | NvmeStatus.DO_NOT_RETRY,
                NvmeStatus.INVALID_NAMESPACE | NvmeStatus.DO_NOT_RETRY,
                NvmeStatus.LBA_OUT_OF_RANGE | NvmeStatus.DO_NOT_RETRY,
                NvmeStatus.INVALID_FIELD | NvmeStatus.DO_NOT_RETRY,
                NvmeStatus.PRP_OFFSET_INVALID | NvmeStatus.DO_NOT_RETRY,
                NvmeStatus.PRP_OFFSET_INVALID | NvmeStatus.DO_NOT_RETRY,
                NvmeStatus.DATA_TRANSFER_ERROR,
                NvmeStatus.INVALID_FIELD | NvmeStatus.DO_NOT_RETRY,
                NvmeStatus.SUCCESS,
                NvmeStatus.SUCCESS,
            };
            for (int i = 0; i < expected.length; i++) {
                NvmeCompletion completion = queues.take();
                assertNotNull(completion, "completion " + i);
                assertEquals(i + 1, completion.commandId());
                assertEquals(1, completion.sqId());
                assertEquals(10, completion.sqHead(), "all ten entries were fetched");
                assertEquals(
                        expected[i],
                        completion.status(),
                        "command " + (i + 1) + ": " + NvmeStatus.describe(completion.status()));
            }
            assertNull(queues.take());
        }
    }

    @Test
    void honoursTheCompletionHeadDoorbellAndFlipsThePhase() throws IOException {
        try (EmulatedTransport transport =
                EmulatedTransport.open(image(16L * BLOCK), 4, BLOCK, BLOCK, EmulatedFaults.none())) {
            RawQueues queues = new RawQueues(transport);
            for (int cid = 0; cid < 3; cid++) {
                queues.next().flush(cid, 1);
                queues.queued();
            }
            queues.ring();
            assertEquals(3, transport.poll());
            for (int cid = 3; cid < 6; cid++) {
                queues.next().flush(cid, 1);
                queues.queued();
            }
            queues.ring();
            assertEquals(0, transport.poll(), "the CQ is full until the host rings its head doorbell");
            for (int cid = 0; cid < 3; cid++) {
                NvmeCompletion completion = queues.take();
                assertEquals(cid, completion.commandId());
                assertEquals(1, completion.phase());
            }
            assertNull(queues.take());
            assertEquals(0, transport.poll(), "consumed but not released: still full");
            queues.releaseCompletions();
            assertEquals(3, transport.poll());
            int[] phases = new int[3];
            for (int i = 0; i < 3; i++) {
                NvmeCompletion completion = queues.take();
                assertEquals(3 + i, completion.commandId());
                phases[i] = completion.phase();
            }
            // Entry 3 is the last of the first pass; entries 0 and 1 start the second pass.
            assertArrayEquals(new int[] {1, 0, 0}, phases);
            assertEquals(6, transport.controller().postedCompletions());
        }
    }

    @Test
    void followsPrpListsIncludingChainedListPages() throws IOException {
        int pages = 600; // more than one list page holds (512 entries): the list chains
        try (Arena arena = Arena.ofConfined();
                EmulatedTransport transport =
                        EmulatedTransport.open(image(1024L * BLOCK), 4, BLOCK, 1024 * BLOCK, EmulatedFaults.none())) {
            MemorySegment data = arena.allocate((long) (pages + 1) * BLOCK, BLOCK);
            MemorySegment lists = arena.allocate(2L * BLOCK, BLOCK);
            transport.registerMemory(data);
            transport.registerMemory(lists);
            byte[] expected = new byte[pages * BLOCK];
            new java.util.Random(3).nextBytes(expected);
            long start = data.address() + 512; // PRP1 mid-page: the transfer touches pages + 1 pages
            MemorySegment.copy(MemorySegment.ofArray(expected), 0, data, 512, expected.length);
            int entries = pages; // pages after the first one
            int firstListEntries = 511;
            for (int i = 0; i < firstListEntries; i++) {
                lists.set(PRP, i * 8L, data.address() + (long) (i + 1) * BLOCK);
            }
            lists.set(PRP, 511 * 8L, lists.address() + BLOCK);
            for (int i = firstListEntries; i < entries; i++) {
                lists.set(PRP, BLOCK + (i - firstListEntries) * 8L, data.address() + (long) (i + 1) * BLOCK);
            }
            RawQueues queues = new RawQueues(transport);
            queues.next().writeBlocks(1, 1, 100, pages, start, lists.address());
            queues.queued();
            queues.ring();
            assertEquals(1, transport.poll());
            assertEquals(NvmeStatus.SUCCESS, queues.take().status());
            byte[] onDisk = Files.readAllBytes(transport.image());
            assertArrayEquals(expected, Arrays.copyOfRange(onDisk, 100 * BLOCK, 100 * BLOCK + expected.length));

            MemorySegment back = arena.allocate((long) (pages + 1) * BLOCK, BLOCK);
            transport.registerMemory(back);
            for (int i = 0; i < firstListEntries; i++) {
                lists.set(PRP, i * 8L, back.address() + (long) (i + 1) * BLOCK);
            }
            for (int i = firstListEntries; i < entries; i++) {
                lists.set(PRP, BLOCK + (i - firstListEntries) * 8L, back.address() + (long) (i + 1) * BLOCK);
            }
            queues.next().readBlocks(2, 1, 100, pages, back.address() + 512, lists.address());
            queues.queued();
            queues.ring();
            assertEquals(1, transport.poll());
            assertEquals(NvmeStatus.SUCCESS, queues.take().status());
            assertArrayEquals(expected, back.asSlice(512, expected.length).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void refusesImagesThatAreNotWholeBlocks() throws IOException {
        Path odd = dir.resolve("odd.img");
        Files.write(odd, new byte[1000]);
        IOException e =
                org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> EmulatedTransport.open(odd, 8));
        assertEquals(
                "image file " + odd + " is 1000 bytes, not a positive multiple of the 4096-byte block size;"
                        + " resize it (truncate -s) to whole blocks",
                e.getMessage());
    }
}
