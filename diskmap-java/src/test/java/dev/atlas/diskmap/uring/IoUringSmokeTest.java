package dev.atlas.diskmap.uring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** io_uring alone, before any transport: NOP, write then read back through O_DIRECT, fixed buffers. */
class IoUringSmokeTest {
    @TempDir
    Path dir;

    @Test
    void nopRoundTripCarriesUserData() {
        try (IoUring ring = IoUring.open(8)) {
            assertTrue(ring.submissionEntries() >= 8);
            assertEquals(2 * ring.submissionEntries(), ring.completionEntries());
            for (int i = 0; i < 5; i++) {
                SubmissionEntry sqe = ring.nextSubmission();
                assertNotNull(sqe);
                sqe.opcode(IoUringOpcode.NOP).userData(1000L + i);
            }
            assertEquals(5, ring.submit(5));
            int head = ring.completionHead();
            assertEquals(5, ring.completionTail() - head);
            for (int i = 0; i < 5; i++) {
                CompletionEntry cqe = ring.completion(head + i);
                assertEquals(1000L + i, cqe.userData());
                assertEquals(0, cqe.result());
            }
            ring.advanceCompletionHead(5);
            assertEquals(ring.completionTail(), ring.completionHead());
        }
    }

    @Test
    void fullSubmissionQueueReturnsNull() {
        try (IoUring ring = IoUring.open(4)) {
            for (int i = 0; i < ring.submissionEntries(); i++) {
                SubmissionEntry sqe = ring.nextSubmission();
                assertNotNull(sqe);
                sqe.opcode(IoUringOpcode.NOP);
            }
            assertEquals(null, ring.nextSubmission());
            ring.submit(ring.submissionEntries());
            ring.advanceCompletionHead(ring.completionTail() - ring.completionHead());
            assertNotNull(ring.nextSubmission());
        }
    }

    @Test
    void writeThenReadBackWithDirectIoPlainAndFixed() throws IOException {
        Path image = dir.resolve("smoke.img");
        Files.write(image, new byte[64 * 1024]);
        int block = 4096;
        byte[] pattern = new byte[block];
        new Random(7).nextBytes(pattern);
        try (Arena arena = Arena.ofConfined();
                IoUring ring = IoUring.open(8);
                DirectFile file = DirectFile.open(image, 0)) {
            MemorySegment out = arena.allocate(block, block);
            MemorySegment in = arena.allocate(2L * block, block);
            out.copyFrom(MemorySegment.ofArray(pattern));
            ring.registerBuffers(in);

            ring.nextSubmission()
                    .opcode(IoUringOpcode.WRITE)
                    .fd(file.fd())
                    .fileOffset(3L * block)
                    .address(out.address())
                    .length(block)
                    .userData(1);
            assertEquals(1, ring.submit(1));
            assertEquals(block, ring.completion(ring.completionHead()).result());
            ring.advanceCompletionHead(1);

            ring.nextSubmission()
                    .opcode(IoUringOpcode.READ)
                    .fd(file.fd())
                    .fileOffset(3L * block)
                    .address(in.address())
                    .length(block)
                    .userData(2);
            ring.nextSubmission()
                    .opcode(IoUringOpcode.READ_FIXED)
                    .fd(file.fd())
                    .fileOffset(3L * block)
                    .address(in.address() + block)
                    .length(block)
                    .bufferIndex(0)
                    .userData(3);
            assertEquals(2, ring.submit(2));
            while (ring.completionTail() - ring.completionHead() < 2) {
                ring.enterForCompletions();
            }
            for (int i = 0; i < 2; i++) {
                assertEquals(block, ring.completion(ring.completionHead() + i).result());
            }
            ring.advanceCompletionHead(2);
            assertArrayEquals(pattern, in.asSlice(0, block).toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(pattern, in.asSlice(block, block).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void misalignedDirectReadIsRejectedByTheKernelNotTheJvm() throws IOException {
        Path image = dir.resolve("misaligned.img");
        Files.write(image, new byte[16 * 1024]);
        try (Arena arena = Arena.ofConfined();
                IoUring ring = IoUring.open(2);
                DirectFile file = DirectFile.open(image, 0)) {
            MemorySegment buffer = arena.allocate(8192, 4096);
            ring.nextSubmission()
                    .opcode(IoUringOpcode.READ)
                    .fd(file.fd())
                    .fileOffset(0)
                    .address(buffer.address() + 1)
                    .length(4096)
                    .userData(9);
            ring.submit(1);
            assertEquals(-Errno.EINVAL, ring.completion(ring.completionHead()).result());
            ring.advanceCompletionHead(1);
        }
    }

    @Test
    void useAfterCloseIsAClearError() {
        IoUring ring = IoUring.open(2);
        ring.close();
        UringException e = assertThrows(UringException.class, ring::nextSubmission);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        ring.close();
    }
}
