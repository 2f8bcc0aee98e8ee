package dev.atlas.diskmap.nvme;

import static dev.atlas.diskmap.nvme.NvmeCommandDescriptor.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Flyweight over one 64-byte NVMe submission queue entry; see {@link NvmeCommandDescriptor}.
 *
 * <p>Wrap it over a slot of a submission queue and fill it with the fluent setters or one of
 * the builders. It holds no state beyond the wrapped position, so one instance per queue is
 * reused for every entry and nothing is allocated.
 */
public final class NvmeCommand {
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private MemorySegment segment = MemorySegment.NULL;
    private long offset;

    /** Points this flyweight at the entry starting at {@code offset} in {@code segment}. */
    public NvmeCommand wrap(MemorySegment segment, long offset) {
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    public MemorySegment segment() {
        return segment;
    }

    public long offset() {
        return offset;
    }

    /** Zeroes all 64 bytes. */
    public NvmeCommand clear() {
        clearEntry();
        return this;
    }

    /** A read of {@code blocks} blocks from {@code startingLba} into the PRP-described buffer. */
    public NvmeCommand readBlocks(int commandId, int namespaceId, long startingLba, int blocks, long prp1, long prp2) {
        return dataCommand(NvmeOpcode.READ, commandId, namespaceId, startingLba, blocks, prp1, prp2);
    }

    /** A write of {@code blocks} blocks at {@code startingLba} from the PRP-described buffer. */
    public NvmeCommand writeBlocks(int commandId, int namespaceId, long startingLba, int blocks, long prp1, long prp2) {
        return dataCommand(NvmeOpcode.WRITE, commandId, namespaceId, startingLba, blocks, prp1, prp2);
    }

    /** A flush of the namespace's volatile write cache. */
    public NvmeCommand flush(int commandId, int namespaceId) {
        clearEntry();
        return opcode(NvmeOpcode.FLUSH).commandId(commandId).namespaceId(namespaceId);
    }

    private NvmeCommand dataCommand(
            int opcode, int commandId, int namespaceId, long startingLba, int blocks, long prp1, long prp2) {
        clearEntry();
        return opcode(opcode)
                .commandId(commandId)
                .namespaceId(namespaceId)
                .startingLba(startingLba)
                .numberOfBlocks(blocks)
                .prp1(prp1)
                .prp2(prp2);
    }

    private void clearEntry() {
        // Eight long stores rather than a slice + fill: no MemorySegment is created.
        for (int i = 0; i < LENGTH; i += Long.BYTES) {
            segment.set(LONG, offset + i, 0L);
        }
    }

    public int opcode() {
        return segment.get(BYTE, offset + OPCODE_OFFSET) & 0xFF;
    }

    public NvmeCommand opcode(int opcode) {
        segment.set(BYTE, offset + OPCODE_OFFSET, (byte) opcode);
        return this;
    }

    /** Flags byte of CDW0 (FUSE, PSDT); zero for a plain PRP command. */
    public int flags() {
        return segment.get(BYTE, offset + FLAGS_OFFSET) & 0xFF;
    }

    public NvmeCommand flags(int flags) {
        segment.set(BYTE, offset + FLAGS_OFFSET, (byte) flags);
        return this;
    }

    public int commandId() {
        return segment.get(SHORT, offset + COMMAND_ID_OFFSET) & 0xFFFF;
    }

    public NvmeCommand commandId(int commandId) {
        segment.set(SHORT, offset + COMMAND_ID_OFFSET, (short) commandId);
        return this;
    }

    public int namespaceId() {
        return segment.get(INT, offset + NAMESPACE_ID_OFFSET);
    }

    public NvmeCommand namespaceId(int namespaceId) {
        segment.set(INT, offset + NAMESPACE_ID_OFFSET, namespaceId);
        return this;
    }

    public int cdw2() {
        return segment.get(INT, offset + CDW2_OFFSET);
    }

    public NvmeCommand cdw2(int value) {
        segment.set(INT, offset + CDW2_OFFSET, value);
        return this;
    }

    public int cdw3() {
        return segment.get(INT, offset + CDW3_OFFSET);
    }

    public NvmeCommand cdw3(int value) {
        segment.set(INT, offset + CDW3_OFFSET, value);
        return this;
    }

    public long metadataPointer() {
        return segment.get(LONG, offset + METADATA_POINTER_OFFSET);
    }

    public NvmeCommand metadataPointer(long address) {
        segment.set(LONG, offset + METADATA_POINTER_OFFSET, address);
        return this;
    }

    public long prp1() {
        return segment.get(LONG, offset + PRP1_OFFSET);
    }

    public NvmeCommand prp1(long busAddress) {
        segment.set(LONG, offset + PRP1_OFFSET, busAddress);
        return this;
    }

    public long prp2() {
        return segment.get(LONG, offset + PRP2_OFFSET);
    }

    public NvmeCommand prp2(long busAddress) {
        segment.set(LONG, offset + PRP2_OFFSET, busAddress);
        return this;
    }

    public int cdw10() {
        return segment.get(INT, offset + CDW10_OFFSET);
    }

    public NvmeCommand cdw10(int value) {
        segment.set(INT, offset + CDW10_OFFSET, value);
        return this;
    }

    public int cdw11() {
        return segment.get(INT, offset + CDW11_OFFSET);
    }

    public NvmeCommand cdw11(int value) {
        segment.set(INT, offset + CDW11_OFFSET, value);
        return this;
    }

    public int cdw12() {
        return segment.get(INT, offset + CDW12_OFFSET);
    }

    public NvmeCommand cdw12(int value) {
        segment.set(INT, offset + CDW12_OFFSET, value);
        return this;
    }

    public int cdw13() {
        return segment.get(INT, offset + CDW13_OFFSET);
    }

    public NvmeCommand cdw13(int value) {
        segment.set(INT, offset + CDW13_OFFSET, value);
        return this;
    }

    public int cdw14() {
        return segment.get(INT, offset + CDW14_OFFSET);
    }

    public NvmeCommand cdw14(int value) {
        segment.set(INT, offset + CDW14_OFFSET, value);
        return this;
    }

    public int cdw15() {
        return segment.get(INT, offset + CDW15_OFFSET);
    }

    public NvmeCommand cdw15(int value) {
        segment.set(INT, offset + CDW15_OFFSET, value);
        return this;
    }

    /** Read/write: the 64-bit starting LBA in CDW10 (low) and CDW11 (high). */
    public long startingLba() {
        return segment.get(LONG, offset + STARTING_LBA_OFFSET);
    }

    public NvmeCommand startingLba(long lba) {
        segment.set(LONG, offset + STARTING_LBA_OFFSET, lba);
        return this;
    }

    /** Read/write: number of blocks, 1 to {@link NvmeCommandDescriptor#MAX_BLOCKS_PER_COMMAND}. */
    public int numberOfBlocks() {
        return (cdw12() & NUMBER_OF_BLOCKS_MASK) + 1;
    }

    /** Stores {@code blocks - 1} in CDW12 bits 15:0, keeping the other bits of CDW12. */
    public NvmeCommand numberOfBlocks(int blocks) {
        if (blocks < 1 || blocks > MAX_BLOCKS_PER_COMMAND) {
            throw new IllegalArgumentException(
                    "an NVMe command carries 1 to " + MAX_BLOCKS_PER_COMMAND + " blocks, not " + blocks);
        }
        return cdw12((cdw12() & ~NUMBER_OF_BLOCKS_MASK) | (blocks - 1));
    }

    @Override
    public String toString() {
        return "NvmeCommand{" + NvmeOpcode.name(opcode()) + ", cid=" + commandId()
                + ", nsid=" + namespaceId() + ", slba=" + startingLba() + ", nlb=" + numberOfBlocks()
                + ", prp1=0x" + Long.toHexString(prp1()) + ", prp2=0x" + Long.toHexString(prp2()) + '}';
    }
}
