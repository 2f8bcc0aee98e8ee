package dev.atlas.diskmap.emulated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.diskmap.nvme.NvmeCompletion;
import dev.atlas.diskmap.nvme.NvmeOpcode;
import dev.atlas.diskmap.nvme.NvmeStatus;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random, mostly wrong submission entries: the controller answers every one with a status and
 * never touches memory outside what was registered, even when PRPs and PRP list entries point
 * anywhere (a wrong check here would corrupt or crash the JVM, not just fail a command).
 */
class EmulatedControllerFuzzTest {
    private static final int BLOCK = 512;
    private static final int PAGE = 4096;
    private static final int DEPTH = 16;
    private static final ValueLayout.OfLong PRP = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    @Test
    void everyEntryGetsAStatusAndUnregisteredMemoryStaysUntouched() throws IOException {
        long seed = Long.getLong("atlas.seed", System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        Path image = dir.resolve("fuzz.img");
        Files.write(image, new byte[256 * BLOCK]);
        try (Arena arena = Arena.ofConfined();
                EmulatedTransport transport = EmulatedTransport.open(
                        image,
                        DEPTH,
                        BLOCK,
                        16 * PAGE,
                        EmulatedFaults.seeded(seed).outOfOrder(true))) {
            // [guard | registered | guard]: the guards must keep their bytes.
            MemorySegment whole = arena.allocate(20L * PAGE, PAGE);
            MemorySegment before = whole.asSlice(0, 2L * PAGE);
            MemorySegment registered = whole.asSlice(2L * PAGE, 16L * PAGE);
            MemorySegment after = whole.asSlice(18L * PAGE, 2L * PAGE);
            before.fill((byte) 0x5B);
            after.fill((byte) 0x5B);
            transport.registerMemory(registered);
            // Some of the registered memory holds PRP-list-looking garbage, some valid entries.
            for (long offset = 0; offset < registered.byteSize(); offset += Long.BYTES) {
                registered.set(PRP, offset, pointer(random, whole));
            }
            RawQueues queues = new RawQueues(transport);
            int outstanding = 0;
            int[] byStatus = new int[1 << 15];
            for (int i = 0; i < 20_000; i++) {
                int opcode = switch (random.nextInt(8)) {
                    case 0 -> random.nextInt(256);
                    case 1 -> NvmeOpcode.FLUSH;
                    case 2, 3, 4 -> NvmeOpcode.READ;
                    default -> NvmeOpcode.WRITE;
                };
                int namespace = random.nextInt(10) == 0 ? random.nextInt() : 1;
                long lba = random.nextInt(10) == 0 ? random.nextLong() : random.nextInt(300);
                int blocks = 1 + random.nextInt(random.nextBoolean() ? 8 : 200);
                queues.next()
                        .readBlocks(i & 0xFFFF, namespace, lba, blocks, pointer(random, whole), pointer(random, whole))
                        .opcode(opcode)
                        .flags(random.nextInt(20) == 0 ? random.nextInt(256) : 0);
                queues.queued();
                outstanding++;
                if (outstanding == DEPTH - 1 || random.nextInt(4) == 0 || i == 19_999) {
                    queues.ring();
                    while (outstanding > 0) {
                        transport.poll();
                        NvmeCompletion completion;
                        while ((completion = queues.take()) != null) {
                            assertNotNull(completion);
                            byStatus[NvmeStatus.withoutFlags(completion.status())]++;
                            outstanding--;
                        }
                        queues.releaseCompletions();
                    }
                }
            }
            byte[] guard = new byte[2 * PAGE];
            java.util.Arrays.fill(guard, (byte) 0x5B);
            assertEquals(
                    -1L, before.mismatch(MemorySegment.ofArray(guard)), "seed " + seed + ": memory before touched");
            assertEquals(-1L, after.mismatch(MemorySegment.ofArray(guard)), "seed " + seed + ": memory after touched");
            assertEquals(20_000L, transport.controller().postedCompletions(), "seed " + seed);
            // Not vacuous: data really moved, and the pointer checks really refused some entries.
            for (int status : new int[] {
                NvmeStatus.SUCCESS,
                NvmeStatus.DATA_TRANSFER_ERROR,
                NvmeStatus.PRP_OFFSET_INVALID,
                NvmeStatus.LBA_OUT_OF_RANGE,
                NvmeStatus.INVALID_OPCODE
            }) {
                assertTrue(
                        byStatus[status] > 100,
                        "seed " + seed + ": only " + byStatus[status] + " of " + NvmeStatus.describe(status));
            }
        }
    }

    /** An address in or near the test memory: aligned or not, inside the registered part or not, or garbage. */
    private static long pointer(SplittableRandom random, MemorySegment whole) {
        return switch (random.nextInt(6)) {
            case 0 -> random.nextLong();
            case 1 -> 0L;
            case 2 -> whole.address() + random.nextLong(whole.byteSize());
            case 3 -> whole.address() + (long) random.nextInt((int) (whole.byteSize() / PAGE)) * PAGE;
            default ->
                whole.address()
                        + 2L * PAGE
                        + (long) random.nextInt(16) * PAGE
                        + (random.nextBoolean() ? 0 : 4L * random.nextInt(PAGE / 4));
        };
    }
}
