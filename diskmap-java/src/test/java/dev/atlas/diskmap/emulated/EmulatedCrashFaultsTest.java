package dev.atlas.diskmap.emulated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.diskmap.NvmeDevice;
import dev.atlas.diskmap.buffer.DmaBufferPool;
import dev.atlas.diskmap.nvme.NvmeStatus;
import dev.atlas.diskmap.transport.DiskmapException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Power cuts, torn writes and a lost volatile write cache, as the catalogue's crash tests use them. */
class EmulatedCrashFaultsTest {
    private static final int BLOCK = 4096;
    private static final int BLOCKS = 64;

    @TempDir
    Path dir;

    private Path zeroImage(String name) throws IOException {
        Path image = dir.resolve(name);
        Files.write(image, new byte[BLOCKS * BLOCK]);
        return image;
    }

    private static NvmeDevice open(Path image, EmulatedFaults faults) {
        return NvmeDevice.open(
                image,
                "emulated",
                NvmeDevice.Options.defaults().withQueueDepth(8).withFaults(faults));
    }

    private static void fill(MemorySegment buffer, int blocks, int value) {
        buffer.asSlice(0, (long) blocks * BLOCK).fill((byte) value);
    }

    private static byte[] blocksOf(byte[] image, int first, int count) {
        return Arrays.copyOfRange(image, first * BLOCK, (first + count) * BLOCK);
    }

    private static byte[] filled(int blocks, int value) {
        byte[] bytes = new byte[blocks * BLOCK];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    /** Number of leading whole blocks of {@code run} that hold {@code value}; the rest must be zero. */
    private static int tornPrefixBlocks(byte[] run, int value) {
        int blocks = 0;
        while (blocks < run.length / BLOCK && run[blocks * BLOCK] == (byte) value) {
            blocks++;
        }
        assertArrayEquals(filled(blocks, value), Arrays.copyOfRange(run, 0, blocks * BLOCK), "prefix");
        assertArrayEquals(
                new byte[run.length - blocks * BLOCK],
                Arrays.copyOfRange(run, blocks * BLOCK, run.length),
                "after the torn prefix nothing was written");
        return blocks;
    }

    private int powerCutRun(Path image, boolean tear, long seed) {
        try (NvmeDevice device = open(image, EmulatedFaults.seeded(seed).powerCutAfterWrite(3, tear))) {
            DmaBufferPool pool = device.allocateBuffers(1, 8 * BLOCK);
            MemorySegment buffer = pool.buffer(0);
            fill(buffer, 4, 0xA1);
            device.writeSync(0, 4, buffer);
            fill(buffer, 4, 0xB2);
            device.writeSync(4, 4, buffer);
            fill(buffer, 8, 0xC3);
            DiskmapException cut = assertThrows(DiskmapException.class, () -> device.writeSync(8, 8, buffer));
            assertEquals(NvmeStatus.ABORTED_POWER_LOSS, cut.status());
            assertEquals(
                    "write of 8 blocks at LBA 8 on emulated:" + image
                            + " failed: command aborted by power loss (generic status 0x05)",
                    cut.getMessage());
            fill(buffer, 1, 0xD4);
            assertEquals(
                    NvmeStatus.ABORTED_POWER_LOSS,
                    assertThrows(DiskmapException.class, () -> device.writeSync(20, 1, buffer))
                            .status());
            assertEquals(
                    NvmeStatus.ABORTED_POWER_LOSS,
                    assertThrows(DiskmapException.class, () -> device.readSync(0, 1, buffer))
                            .status());
            assertEquals(
                    NvmeStatus.ABORTED_POWER_LOSS,
                    assertThrows(DiskmapException.class, device::flushSync).status());
            assertTrue(((EmulatedTransport) device.transport()).controller().powerLost());
        }
        try {
            byte[] after = Files.readAllBytes(image);
            assertArrayEquals(filled(4, 0xA1), blocksOf(after, 0, 4), "write 1 persisted");
            assertArrayEquals(filled(4, 0xB2), blocksOf(after, 4, 4), "write 2 persisted");
            assertArrayEquals(new byte[BLOCK], blocksOf(after, 20, 1), "nothing after the cut persisted");
            return tornPrefixBlocks(blocksOf(after, 8, 8), 0xC3);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void powerCutTearsTheNthWriteAndFailsEverythingAfter() throws IOException {
        int prefix = powerCutRun(zeroImage("tear.img"), true, 77);
        assertTrue(prefix < 8, "a torn write never persists completely");
        assertEquals(prefix, powerCutRun(zeroImage("tear-again.img"), true, 77), "the same seed tears the same way");
    }

    @Test
    void powerCutCanDropTheNthWriteEntirely() throws IOException {
        assertEquals(0, powerCutRun(zeroImage("drop.img"), false, 5));
    }

    @Test
    void tornWritesPersistOnlyAPrefixAndReportAWriteFault() throws IOException {
        Path image = zeroImage("torn.img");
        int[] prefixes = new int[6];
        try (NvmeDevice device = open(image, EmulatedFaults.seeded(13).tornWriteRate(1.0))) {
            DmaBufferPool pool = device.allocateBuffers(1, 8 * BLOCK);
            for (int i = 0; i < prefixes.length; i++) {
                fill(pool.buffer(0), 8, 0x10 + i);
                int lba = i * 8;
                DiskmapException fault =
                        assertThrows(DiskmapException.class, () -> device.writeSync(lba, 8, pool.buffer(0)));
                assertEquals(NvmeStatus.WRITE_FAULT, fault.status());
            }
        }
        byte[] after = Files.readAllBytes(image);
        for (int i = 0; i < prefixes.length; i++) {
            prefixes[i] = tornPrefixBlocks(blocksOf(after, i * 8, 8), 0x10 + i);
        }
        assertTrue(Arrays.stream(prefixes).distinct().count() > 1, "prefix lengths vary: " + Arrays.toString(prefixes));
    }

    @Test
    void powerCutLosesUnflushedWritesButKeepsFlushedOnes() throws IOException {
        Path image = zeroImage("cache.img");
        try (NvmeDevice device = open(
                image, EmulatedFaults.seeded(2).powerCutAfterWrite(4, false).loseUnflushedWritesOnPowerCut(1.0))) {
            DmaBufferPool pool = device.allocateBuffers(1, 4 * BLOCK);
            fill(pool.buffer(0), 4, 0x11);
            device.writeSync(0, 4, pool.buffer(0));
            device.flushSync();
            fill(pool.buffer(0), 4, 0x22);
            device.writeSync(0, 2, pool.buffer(0)); // overwrites flushed data, not flushed itself
            device.writeSync(10, 2, pool.buffer(0));
            assertThrows(DiskmapException.class, () -> device.writeSync(20, 1, pool.buffer(0)));
        }
        byte[] after = Files.readAllBytes(image);
        assertArrayEquals(filled(4, 0x11), blocksOf(after, 0, 4), "the flushed write survives, its overwrite does not");
        assertArrayEquals(new byte[2 * BLOCK], blocksOf(after, 10, 2), "the unflushed write is lost");
    }
}
