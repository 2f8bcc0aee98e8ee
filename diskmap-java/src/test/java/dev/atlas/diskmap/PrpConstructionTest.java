package dev.atlas.diskmap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.atlas.diskmap.buffer.DmaBufferPool;
import dev.atlas.diskmap.emulated.EmulatedFaults;
import dev.atlas.diskmap.emulated.EmulatedTransport;
import dev.atlas.diskmap.nvme.NvmeCommand;
import dev.atlas.diskmap.nvme.NvmeCommandDescriptor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * For random buffer offsets and lengths, the PRP entries of every command describe exactly the
 * pages of the request's bytes, in order: PRP1 = first byte, then whole pages (PRP2 directly or
 * via the command slot's PRP list), and the commands of a split request tile it without gaps.
 */
class PrpConstructionTest {
    private static final int PAGE = NvmeQueuePair.MEMORY_PAGE_SIZE;
    private static final ValueLayout.OfLong PRP = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

    @SuppressWarnings("restricted") // reads PRP lists by the bus (= virtual) address the driver wrote
    private static final MemorySegment HOST = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    @TempDir
    Path dir;

    @Test
    void prpEntriesCoverExactlyTheRequestBytes() throws IOException {
        long seed = Long.getLong("atlas.seed", System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        Path image = dir.resolve("prp.img");
        Files.write(image, new byte[8 << 20]);
        int blockSize = 512;
        int depth = 64;
        try (NvmeDevice device = NvmeDevice.over(
                EmulatedTransport.open(image, depth, blockSize, 256 * 1024, EmulatedFaults.none()),
                Duration.ofSeconds(10))) {
            NvmeQueuePair queuePair = device.queuePair();
            DmaBufferPool pool = device.allocateBuffers(1, (2 << 20) + PAGE);
            NvmeCommand entry = new NvmeCommand();
            int[] done = new int[1];
            NvmeCallback callback = (token, status) -> {
                assertEquals(0, status, "seed " + seed);
                done[0]++;
            };
            int sqIndex = 0;
            for (int trial = 0; trial < 2000; trial++) {
                long offset = (long) random.nextInt(PAGE / 4) * 4;
                int blocks = 1 + random.nextInt(random.nextBoolean() ? 16 : 4096);
                long address = pool.address(0) + offset;
                queuePair.read(random.nextInt(1000), blocks, address, callback, trial);
                int commands = (blocks + queuePair.maxBlocksPerCommand() - 1) / queuePair.maxBlocksPerCommand();
                long expectedAddress = address;
                for (int c = 0; c < commands; c++) {
                    entry.wrap(device.transport().submissionQueue(), (long) sqIndex * NvmeCommandDescriptor.LENGTH);
                    sqIndex = (sqIndex + 1) % depth;
                    long length = (long) entry.numberOfBlocks() * blockSize;
                    checkPrps(seed, entry.prp1(), entry.prp2(), expectedAddress, length);
                    expectedAddress += length;
                }
                assertEquals(address + (long) blocks * blockSize, expectedAddress, "seed " + seed + ": commands tile");
                queuePair.sqsync();
                while (done[0] <= trial) {
                    if (queuePair.consumeCompletions(depth) > 0) {
                        queuePair.cqsync();
                    }
                }
            }
        }
    }

    private static void checkPrps(long seed, long prp1, long prp2, long address, long length) {
        String where = "seed " + seed + ", buffer 0x" + Long.toHexString(address) + "+" + length;
        assertEquals(address, prp1, where);
        long firstPageBytes = PAGE - (address % PAGE);
        if (length <= firstPageBytes) {
            assertEquals(0L, prp2, where + ": one page, no PRP2");
            return;
        }
        long pagesAfterFirst = (length - firstPageBytes + PAGE - 1) / PAGE;
        long secondPage = address - address % PAGE + PAGE;
        if (pagesAfterFirst == 1) {
            assertEquals(secondPage, prp2, where + ": PRP2 is the second page");
            return;
        }
        assertEquals(0, prp2 % PAGE, where + ": the list is a whole page of its own");
        for (long i = 0; i < pagesAfterFirst; i++) {
            assertEquals(secondPage + i * PAGE, HOST.get(PRP, prp2 + i * Long.BYTES), where + ": list entry " + i);
        }
    }
}
