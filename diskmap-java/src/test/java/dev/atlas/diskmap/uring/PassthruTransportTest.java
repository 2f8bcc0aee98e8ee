package dev.atlas.diskmap.uring;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.diskmap.nvme.NvmeCompletion;
import dev.atlas.diskmap.nvme.NvmeOpcode;
import dev.atlas.diskmap.nvme.NvmeStatus;
import dev.atlas.diskmap.transport.DeviceGeometry;
import dev.atlas.diskmap.transport.DiskmapException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The passthru transport without an NVMe drive (it runs for real in the QEMU guest): the
 * nvme_uring_cmd encoding byte for byte against the kernel's struct layout, the whole SQE128
 * URING_CMD as the kernel receives it, the CQE32 path through a real io_uring (URING_CMD on a
 * plain file, which the kernel answers with -EOPNOTSUPP), and clear errors for wrong paths.
 */
class PassthruTransportTest {
    /** struct nvme_uring_cmd, include/uapi/linux/nvme_ioctl.h. */
    static final StructLayout NVME_URING_CMD = MemoryLayout.structLayout(
            JAVA_BYTE.withName("opcode"),
            JAVA_BYTE.withName("flags"),
            JAVA_SHORT.withName("rsvd1"),
            JAVA_INT.withName("nsid"),
            JAVA_INT.withName("cdw2"),
            JAVA_INT.withName("cdw3"),
            JAVA_LONG.withName("metadata"),
            JAVA_LONG.withName("addr"),
            JAVA_INT.withName("metadata_len"),
            JAVA_INT.withName("data_len"),
            JAVA_INT.withName("cdw10"),
            JAVA_INT.withName("cdw11"),
            JAVA_INT.withName("cdw12"),
            JAVA_INT.withName("cdw13"),
            JAVA_INT.withName("cdw14"),
            JAVA_INT.withName("cdw15"),
            JAVA_INT.withName("timeout_ms"),
            JAVA_INT.withName("rsvd2"));

    @TempDir
    Path dir;

    private static long at(String field) {
        return NVME_URING_CMD.byteOffset(groupElement(field));
    }

    @Test
    void descriptorMatchesTheKernelStruct() {
        assertEquals(72, NVME_URING_CMD.byteSize());
        assertEquals(NVME_URING_CMD.byteSize(), NvmeUringCommand.SIZE);
        assertEquals(at("opcode"), NvmeUringCommand.OPCODE_OFFSET);
        assertEquals(at("flags"), NvmeUringCommand.FLAGS_OFFSET);
        assertEquals(at("rsvd1"), NvmeUringCommand.RSVD1_OFFSET);
        assertEquals(at("nsid"), NvmeUringCommand.NSID_OFFSET);
        assertEquals(at("cdw2"), NvmeUringCommand.CDW2_OFFSET);
        assertEquals(at("cdw3"), NvmeUringCommand.CDW3_OFFSET);
        assertEquals(at("metadata"), NvmeUringCommand.METADATA_OFFSET);
        assertEquals(at("addr"), NvmeUringCommand.ADDR_OFFSET);
        assertEquals(at("metadata_len"), NvmeUringCommand.METADATA_LEN_OFFSET);
        assertEquals(at("data_len"), NvmeUringCommand.DATA_LEN_OFFSET);
        assertEquals(at("cdw10"), NvmeUringCommand.CDW10_OFFSET);
        assertEquals(at("cdw11"), NvmeUringCommand.CDW11_OFFSET);
        assertEquals(at("cdw12"), NvmeUringCommand.CDW12_OFFSET);
        assertEquals(at("cdw13"), NvmeUringCommand.CDW13_OFFSET);
        assertEquals(at("cdw14"), NvmeUringCommand.CDW14_OFFSET);
        assertEquals(at("cdw15"), NvmeUringCommand.CDW15_OFFSET);
        assertEquals(at("timeout_ms"), NvmeUringCommand.TIMEOUT_MS_OFFSET);
        assertEquals(at("rsvd2"), NvmeUringCommand.RESULT_OFFSET);
        assertEquals(0xC0484E80, NvmeUringCommand.NVME_URING_CMD_IO);
        assertEquals(0xC0484E41, NvmeUringCommand.NVME_IOCTL_ADMIN_CMD);
        assertEquals(0x4E40, NvmeUringCommand.NVME_IOCTL_ID);
        assertEquals(46, IoUringOpcode.URING_CMD);
        assertTrue(NvmeUringCommand.SIZE <= SubmissionEntry.CMD_SIZE_128, "the command fits a 128-byte SQE");
    }

    /** A passthru transport over a plain file: every URING_CMD reaches the kernel and fails there. */
    private PassthruTransport overPlainFile(Arena arena, Path file, int nsid) {
        MemorySegment callState = LibC.newCallState(arena);
        int fd = LibC.open(callState, arena.allocateFrom(file.toString()), LibC.O_RDWR | LibC.O_CLOEXEC);
        assertTrue(fd >= 0);
        DeviceGeometry geometry = new DeviceGeometry(512, 1 << 20, 128 * 1024, nsid);
        return new PassthruTransport(file, fd, PassthruTransport.openRing(8), geometry, 8);
    }

    @Test
    void readBecomesTheExactUringCommandTheKernelExpects() throws IOException {
        Path file = Files.write(dir.resolve("plain.img"), new byte[4096]);
        try (Arena arena = Arena.ofConfined();
                PassthruTransport transport = overPlainFile(arena, file, 7)) {
            assertEquals(128, transport.ring.submissionEntrySize());
            MemorySegment buffer = arena.allocate(16384, 4096);
            RawQueueHost host = new RawQueueHost(transport);
            host.next()
                    .readBlocks(0x1234, 7, 0x12_3456_789AL, 32, buffer.address(), buffer.address() + 4096)
                    .cdw2(0x22)
                    .cdw3(0x33)
                    .cdw13(0xA1)
                    .cdw14(0xB2)
                    .cdw15(0xC3);
            host.ring();

            // What the kernel read: built here independently from the kernel's layouts.
            MemorySegment expected = arena.allocate(SubmissionEntry.SIZE_128);
            expected.set(JAVA_BYTE, UringLayoutTest.SQE.byteOffset(groupElement("opcode")), (byte) 46);
            expected.set(JAVA_INT, UringLayoutTest.SQE.byteOffset(groupElement("fd")), fdOf(transport));
            expected.set(JAVA_INT, UringLayoutTest.SQE.byteOffset(groupElement("off")), 0xC0484E80);
            expected.set(
                    JAVA_LONG,
                    UringLayoutTest.SQE.byteOffset(groupElement("user_data")),
                    ((long) NvmeOpcode.READ << 56) | 0x1234);
            MemorySegment cmd = expected.asSlice(UringLayoutTest.SQE.byteOffset(groupElement("addr3")));
            set(cmd, "opcode", (byte) 0x02);
            set(cmd, "nsid", 7);
            set(cmd, "cdw2", 0x22);
            set(cmd, "cdw3", 0x33);
            set(cmd, "addr", buffer.address());
            set(cmd, "data_len", 16384);
            set(cmd, "cdw10", 0x3456789A);
            set(cmd, "cdw11", 0x12);
            set(cmd, "cdw12", 31);
            set(cmd, "cdw13", 0xA1);
            set(cmd, "cdw14", 0xB2);
            set(cmd, "cdw15", 0xC3);
            MemorySegment submitted = transport.ring.submissionEntryArray().asSlice(0, SubmissionEntry.SIZE_128);
            assertArrayEquals(expected.toArray(JAVA_BYTE), submitted.toArray(JAVA_BYTE));

            NvmeCompletion done = host.take();
            assertEquals(0x1234, done.commandId());
            assertEquals(
                    NvmeStatus.INVALID_OPCODE,
                    NvmeStatus.withoutFlags(done.status()),
                    NvmeStatus.describe(done.status()));
            assertEquals(Errno.EOPNOTSUPP, done.dw0(), "the errno is kept in DW0");
        }
    }

    private static int fdOf(PassthruTransport transport) {
        return transport.ring.submissionEntryArray().get(JAVA_INT, SubmissionEntry.FD_OFFSET);
    }

    private static void set(MemorySegment cmd, String field, Object value) {
        VarHandle handle = NVME_URING_CMD.varHandle(groupElement(field));
        switch (value) {
            case Byte b -> handle.set(cmd, 0L, b.byteValue());
            case Integer i -> handle.set(cmd, 0L, i.intValue());
            case Long l -> handle.set(cmd, 0L, l.longValue());
            default -> throw new IllegalArgumentException(String.valueOf(value));
        }
    }

    @Test
    void commandsCarryTheBufferAddressWithoutFixedBuffersAndFlushCarriesNoData() throws IOException {
        Path file = Files.write(dir.resolve("fixed.img"), new byte[4096]);
        try (Arena arena = Arena.ofConfined();
                PassthruTransport transport = overPlainFile(arena, file, 1)) {
            MemorySegment pool = arena.allocate(65536, 4096);
            transport.registerMemory(pool);
            RawQueueHost host = new RawQueueHost(transport);
            host.next().writeBlocks(5, 1, 0, 8, pool.address() + 8192, 0);
            host.next().flush(6, 1);
            host.ring();
            MemorySegment sqes = transport.ring.submissionEntryArray();
            SubmissionEntry write = new SubmissionEntry().wrap(sqes, 0, SubmissionEntry.SIZE_128);
            // Linux 6.1 fails fixed-buffer passthrough out of large regions (see PassthruTransport).
            assertEquals(0, write.opFlags());
            NvmeUringCommand writeCmd = new NvmeUringCommand().wrap(sqes, write.commandOffset());
            assertEquals(pool.address() + 8192, writeCmd.address());
            assertEquals(NvmeOpcode.WRITE, writeCmd.opcode());
            assertEquals(4096, writeCmd.dataLength());
            SubmissionEntry flush =
                    new SubmissionEntry().wrap(sqes, SubmissionEntry.SIZE_128, SubmissionEntry.SIZE_128);
            NvmeUringCommand flushCmd = new NvmeUringCommand().wrap(sqes, flush.commandOffset());
            assertEquals(NvmeOpcode.FLUSH, flushCmd.opcode());
            assertEquals(0L, flushCmd.address());
            assertEquals(0, flushCmd.dataLength());
            assertEquals(0, flush.opFlags());
            assertEquals(5, host.take().commandId());
            assertEquals(6, host.take().commandId());
        }
    }

    @Test
    void nonGenericDevicePathsAreClearErrors() throws IOException {
        Path image = Files.write(dir.resolve("image.img"), new byte[4096]);
        DiskmapException notNg = assertThrows(DiskmapException.class, () -> PassthruTransport.open(image, 8));
        assertTrue(
                notNg.getMessage().contains("is not an NVMe generic character device (/dev/ngXnY)")
                        && notNg.getMessage().contains("file transport"),
                notNg.getMessage());

        DiskmapException missing =
                assertThrows(DiskmapException.class, () -> PassthruTransport.open(Path.of("/dev/ng97n3"), 8));
        assertTrue(missing.getMessage().startsWith("/dev/ng97n3 does not exist"), missing.getMessage());

        Path fake = Files.write(dir.resolve("ng0n1"), new byte[4096]);
        DiskmapException regular = assertThrows(DiskmapException.class, () -> PassthruTransport.open(fake, 8));
        assertTrue(regular.getMessage().contains("is not a character device"), regular.getMessage());

        assertThrows(DiskmapException.class, () -> PassthruTransport.open(Path.of("/dev/null"), 8));
    }
}
