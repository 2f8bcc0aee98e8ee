package dev.atlas.diskmap.uring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.diskmap.nvme.NvmeCommand;
import dev.atlas.diskmap.nvme.NvmeCompletion;
import dev.atlas.diskmap.nvme.NvmeOpcode;
import dev.atlas.diskmap.nvme.NvmeStatus;
import dev.atlas.diskmap.transport.DiskmapException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code file} transport at the raw-queue level: NVMe SQEs written by hand, doorbells, CQEs
 * with phase tags read back, as the driver would. /tmp here is ext4 (a disk file system), so
 * {@link TempDir} supports O_DIRECT; the tmpfs case is in {@link BadInputTest}.
 */
class FileTransportTest {
    private static final int BLOCK = 512;

    @TempDir
    Path dir;

    private Path image(String name, int bytes) throws IOException {
        Path path = dir.resolve(name);
        Files.write(path, new byte[bytes]);
        return path;
    }

    @Test
    void writesAndReadsBackThroughRawQueuesAcrossManyPhaseWraps() throws IOException {
        Path path = image("roundtrip.img", 1 << 20);
        Random random = new Random(42);
        try (Arena arena = Arena.ofConfined();
                FileTransport transport = FileTransport.open(path, 4)) {
            assertEquals(512, transport.geometry().blockSize());
            assertEquals(2048, transport.geometry().blockCount());
            MemorySegment pool = arena.allocate(64 * 1024, 4096);
            transport.registerMemory(pool);
            assertTrue(transport.usesFixedBuffers());
            RawQueueHost host = new RawQueueHost(transport);
            byte[] reference = new byte[1 << 20];
            for (int round = 0; round < 50; round++) {
                int blocks = 1 + random.nextInt(16);
                long lba = random.nextInt(2048 - blocks);
                byte[] data = new byte[blocks * BLOCK];
                random.nextBytes(data);
                MemorySegment out = pool.asSlice(0, data.length);
                out.copyFrom(MemorySegment.ofArray(data));
                host.next().writeBlocks(round, FileTransport.NAMESPACE_ID, lba, blocks, out.address(), 0);
                setPrp2(host.command, out.address(), data.length);
                host.ring();
                NvmeCompletion done = host.take();
                assertEquals(round, done.commandId());
                assertEquals(NvmeStatus.SUCCESS, done.status(), NvmeStatus.describe(done.status()));
                System.arraycopy(data, 0, reference, (int) lba * BLOCK, data.length);

                MemorySegment in = pool.asSlice(32 * 1024, data.length);
                host.next().readBlocks(1000 + round, FileTransport.NAMESPACE_ID, lba, blocks, in.address(), 0);
                setPrp2(host.command, in.address(), data.length);
                host.ring();
                done = host.take();
                assertEquals(1000 + round, done.commandId());
                assertEquals(NvmeStatus.SUCCESS, done.status());
                assertEquals(host.sqTail, done.sqHead());
                assertArrayEquals(data, in.toArray(ValueLayout.JAVA_BYTE));
            }
            host.next().flush(7, FileTransport.NAMESPACE_ID);
            host.ring();
            assertEquals(NvmeStatus.SUCCESS, host.take().status());
            assertArrayEquals(reference, Files.readAllBytes(path));
        }
    }

    private static void setPrp2(NvmeCommand command, long address, int length) {
        long firstPage = 4096 - (address & 4095);
        if (length > firstPage) {
            command.prp2((address & -4096L) + 4096);
        }
    }

    @Test
    void batchOfCommandsInOneDoorbellCompletesEach() throws IOException {
        Path path = image("batch.img", 256 * 1024);
        try (Arena arena = Arena.ofConfined();
                FileTransport transport = FileTransport.open(path, 32)) {
            MemorySegment pool = arena.allocate(31 * 4096, 4096);
            RawQueueHost host = new RawQueueHost(transport);
            for (int i = 0; i < 31; i++) {
                host.next().readBlocks(i, FileTransport.NAMESPACE_ID, i * 8L, 8, pool.address() + i * 4096L, 0);
            }
            host.ring();
            boolean[] seen = new boolean[31];
            for (int i = 0; i < 31; i++) {
                NvmeCompletion done = host.take();
                assertEquals(NvmeStatus.SUCCESS, done.status());
                seen[done.commandId()] = true;
            }
            for (boolean s : seen) {
                assertTrue(s);
            }
            assertEquals(0, transport.inFlight());
        }
    }

    @Test
    void invalidCommandsCompleteWithErrorsBeforeSubmission() throws IOException {
        Path path = image("invalid.img", 64 * 1024);
        try (Arena arena = Arena.ofConfined();
                FileTransport transport = FileTransport.open(path, 8)) {
            MemorySegment buffer = arena.allocate(8192, 4096);
            RawQueueHost host = new RawQueueHost(transport);
            host.next().readBlocks(1, FileTransport.NAMESPACE_ID, 0, 1, buffer.address() + 8, 0);
            host.next().readBlocks(2, FileTransport.NAMESPACE_ID, 127, 2, buffer.address(), 0);
            host.next().readBlocks(3, 9, 0, 1, buffer.address(), 0);
            host.next().opcode(0x7f).commandId(4).namespaceId(FileTransport.NAMESPACE_ID);
            host.next()
                    .readBlocks(5, FileTransport.NAMESPACE_ID, 0, 8, buffer.address() + 512, 0)
                    .prp2(buffer.address() + 8192 + 4096);
            host.ring();
            assertEquals(0, transport.inFlight(), "nothing invalid may reach the kernel");
            int[] expected = {
                NvmeStatus.PRP_OFFSET_INVALID,
                NvmeStatus.LBA_OUT_OF_RANGE,
                NvmeStatus.INVALID_NAMESPACE,
                NvmeStatus.INVALID_OPCODE,
                NvmeStatus.PRP_OFFSET_INVALID
            };
            for (int i = 0; i < expected.length; i++) {
                NvmeCompletion done = host.take();
                assertEquals(i + 1, done.commandId());
                assertEquals(expected[i], NvmeStatus.withoutFlags(done.status()), NvmeStatus.describe(done.status()));
                assertTrue(done.doNotRetry());
            }
        }
    }

    @Test
    void errnoMapsToTheStatusARealControllerWouldReport() {
        assertEquals(NvmeStatus.UNRECOVERED_READ_ERROR, CompletionStatus.of(NvmeOpcode.READ, -Errno.EIO, 512));
        assertEquals(NvmeStatus.WRITE_FAULT, CompletionStatus.of(NvmeOpcode.WRITE, -Errno.EIO, 512));
        assertEquals(NvmeStatus.CAPACITY_EXCEEDED, CompletionStatus.of(NvmeOpcode.WRITE, -Errno.ENOSPC, 512));
        assertEquals(
                NvmeStatus.INVALID_FIELD,
                NvmeStatus.withoutFlags(CompletionStatus.of(NvmeOpcode.READ, -Errno.EINVAL, 512)));
        assertEquals(NvmeStatus.DATA_TRANSFER_ERROR, CompletionStatus.of(NvmeOpcode.READ, 256, 512));
        assertEquals(NvmeStatus.SUCCESS, CompletionStatus.of(NvmeOpcode.READ, 512, 512));
        assertEquals(NvmeStatus.SUCCESS, CompletionStatus.of(NvmeOpcode.FLUSH, 0, 0));
    }

    @Test
    void useAfterCloseIsAClearError() throws IOException {
        Path path = image("closed.img", 4096);
        FileTransport transport = FileTransport.open(path, 4);
        transport.close();
        DiskmapException e = assertThrows(DiskmapException.class, () -> transport.ringSubmissionDoorbell(1));
        assertTrue(e.getMessage().contains("closed") && e.getMessage().contains(path.toString()), e.getMessage());
        assertThrows(DiskmapException.class, transport::poll);
        transport.close();
    }

    @Test
    void closeWaitsForRequestsInFlight() throws IOException {
        Path path = image("inflight.img", 1 << 20);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pool = arena.allocate(1 << 20, 4096);
            FileTransport transport = FileTransport.open(path, 16);
            RawQueueHost host = new RawQueueHost(transport);
            for (int i = 0; i < 15; i++) {
                host.next().readBlocks(i, FileTransport.NAMESPACE_ID, i * 128L, 128, pool.address() + i * 65536L, 0);
            }
            host.ring();
            transport.close();
            assertEquals(0, transport.inFlight());
        }
    }
}
