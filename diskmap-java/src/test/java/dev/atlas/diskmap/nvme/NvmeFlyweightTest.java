package dev.atlas.diskmap.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Flyweights write the bytes the NVMe specification puts where, and read them back. */
class NvmeFlyweightTest {
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Property(tries = 300)
    void readCommandRoundTripsAndLandsOnSpecBytes(
            @ForAll @IntRange(min = 0, max = 65535) int cid,
            @ForAll int nsid,
            @ForAll long lba,
            @ForAll @IntRange(min = 1, max = 65536) int blocks,
            @ForAll long prp1,
            @ForAll long prp2) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment queue = arena.allocate(NvmeCommandDescriptor.LENGTH * 2L, 4096);
            queue.fill((byte) 0x5A); // a stale entry must not leak into the new one
            NvmeCommand command = new NvmeCommand().wrap(queue, NvmeCommandDescriptor.LENGTH);
            command.readBlocks(cid, nsid, lba, blocks, prp1, prp2);

            assertEquals(NvmeOpcode.READ, command.opcode());
            assertEquals(cid, command.commandId());
            assertEquals(nsid, command.namespaceId());
            assertEquals(lba, command.startingLba());
            assertEquals(blocks, command.numberOfBlocks());
            assertEquals(prp1, command.prp1());
            assertEquals(prp2, command.prp2());
            assertEquals(0, command.flags());
            assertEquals(0, command.cdw13());
            assertEquals(0L, command.metadataPointer());

            long base = NvmeCommandDescriptor.LENGTH;
            int cdw0 = queue.get(LE_INT, base);
            assertEquals(NvmeOpcode.READ | (cid << 16), cdw0);
            assertEquals((int) lba, queue.get(LE_INT, base + 40));
            assertEquals((int) (lba >>> 32), queue.get(LE_INT, base + 44));
            assertEquals(blocks - 1, queue.get(LE_INT, base + 48));
            assertEquals((byte) 0x5A, queue.get(ValueLayout.JAVA_BYTE, 0)); // neighbour untouched
        }
    }

    @Test
    void writeAndFlushBuilders() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entry = arena.allocate(NvmeCommandDescriptor.LENGTH, 64);
            NvmeCommand command = new NvmeCommand().wrap(entry, 0);
            command.writeBlocks(7, 1, 1234, 8, 0x10000, 0);
            assertEquals(NvmeOpcode.WRITE, command.opcode());
            assertEquals(8, command.numberOfBlocks());
            command.cdw12(command.cdw12() | (1 << 30)); // FUA, outside the block count bits
            command.numberOfBlocks(3);
            assertEquals(3, command.numberOfBlocks());
            assertEquals(1 << 30, command.cdw12() & ~NvmeCommandDescriptor.NUMBER_OF_BLOCKS_MASK);

            command.flush(9, 1);
            assertEquals(NvmeOpcode.FLUSH, command.opcode());
            assertEquals(9, command.commandId());
            assertEquals(0L, command.prp1());
            assertEquals(0, command.cdw12());
            assertThrows(IllegalArgumentException.class, () -> command.numberOfBlocks(0));
            assertThrows(IllegalArgumentException.class, () -> command.numberOfBlocks(65537));
        }
    }

    @Property(tries = 300)
    void completionStatusFieldBits(
            @ForAll @IntRange(min = 0, max = 0xFF) int code,
            @ForAll @IntRange(min = 0, max = 7) int type,
            @ForAll boolean dnr,
            @ForAll @IntRange(min = 0, max = 1) int phase,
            @ForAll @IntRange(min = 0, max = 65535) int cid,
            @ForAll @IntRange(min = 0, max = 65535) int sqHead) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entry = arena.allocate(NvmeCompletionDescriptor.LENGTH, 16);
            int status = NvmeStatus.of(type, code) | (dnr ? NvmeStatus.DO_NOT_RETRY : 0);
            NvmeCompletion completion = new NvmeCompletion().wrap(entry, 0);
            completion.dw0(42).sqHead(sqHead).sqId(1).commandId(cid).publishStatus(status, phase);

            assertEquals(phase, completion.phase());
            assertEquals(status, completion.status());
            assertEquals(code, completion.statusCode());
            assertEquals(type, completion.statusCodeType());
            assertEquals(dnr, completion.doNotRetry());
            assertEquals(cid, completion.commandId());
            assertEquals(sqHead, completion.sqHead());
            assertEquals(completion.statusField(), completion.statusFieldAcquire());
            // NVMe bit positions: P bit 0, SC bits 8:1, SCT bits 11:9, DNR bit 15.
            int raw = completion.statusField();
            assertEquals(phase, raw & 1);
            assertEquals(code, (raw >>> 1) & 0xFF);
            assertEquals(type, (raw >>> 9) & 0x7);
            assertEquals(dnr, (raw >>> 15) == 1);
        }
    }

    @Test
    void statusSentencesForOperators() {
        assertTrue(NvmeStatus.isSuccess(NvmeStatus.SUCCESS));
        assertFalse(NvmeStatus.isSuccess(NvmeStatus.LBA_OUT_OF_RANGE));
        assertEquals("LBA out of range (generic status 0x80)", NvmeStatus.describe(NvmeStatus.LBA_OUT_OF_RANGE));
        assertEquals(
                "unrecovered read error (media status 0x81, do not retry)",
                NvmeStatus.describe(NvmeStatus.UNRECOVERED_READ_ERROR | NvmeStatus.DO_NOT_RETRY));
        assertEquals("write fault (media status 0x80)", NvmeStatus.describe(NvmeStatus.WRITE_FAULT));
        assertEquals("invalid command opcode (generic status 0x01)", NvmeStatus.describe(NvmeStatus.INVALID_OPCODE));
        assertEquals(NvmeStatus.WRITE_FAULT, NvmeStatus.withoutFlags(NvmeStatus.WRITE_FAULT | NvmeStatus.DO_NOT_RETRY));
        assertEquals("read", NvmeOpcode.name(NvmeOpcode.READ));
    }
}
