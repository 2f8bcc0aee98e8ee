package dev.atlas.diskmap.nvme;

import static dev.atlas.diskmap.nvme.NvmeCompletionDescriptor.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Flyweight over one 16-byte NVMe completion queue entry; see {@link NvmeCompletionDescriptor}.
 *
 * <p>The status field carries the phase tag, which tells the host that the entry is new. The
 * device (or a transport standing in for it) writes every other field first and then the
 * status field with {@link #publishStatus(int, int) release} semantics; the host reads it with
 * {@link #statusFieldAcquire() acquire} semantics before trusting the rest of the entry.
 */
public final class NvmeCompletion {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle STATUS_FIELD = SHORT.varHandle();

    private MemorySegment segment = MemorySegment.NULL;
    private long offset;

    /** Points this flyweight at the entry starting at {@code offset} in {@code segment}. */
    public NvmeCompletion wrap(MemorySegment segment, long offset) {
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

    /** Command specific result (DW0). */
    public int dw0() {
        return segment.get(INT, offset + DW0_OFFSET);
    }

    public NvmeCompletion dw0(int value) {
        segment.set(INT, offset + DW0_OFFSET, value);
        return this;
    }

    public int dw1() {
        return segment.get(INT, offset + DW1_OFFSET);
    }

    public NvmeCompletion dw1(int value) {
        segment.set(INT, offset + DW1_OFFSET, value);
        return this;
    }

    /** Submission queue head as the controller saw it when posting this entry. */
    public int sqHead() {
        return segment.get(SHORT, offset + SQ_HEAD_OFFSET) & 0xFFFF;
    }

    public NvmeCompletion sqHead(int head) {
        segment.set(SHORT, offset + SQ_HEAD_OFFSET, (short) head);
        return this;
    }

    public int sqId() {
        return segment.get(SHORT, offset + SQ_ID_OFFSET) & 0xFFFF;
    }

    public NvmeCompletion sqId(int id) {
        segment.set(SHORT, offset + SQ_ID_OFFSET, (short) id);
        return this;
    }

    public int commandId() {
        return segment.get(SHORT, offset + COMMAND_ID_OFFSET) & 0xFFFF;
    }

    public NvmeCompletion commandId(int commandId) {
        segment.set(SHORT, offset + COMMAND_ID_OFFSET, (short) commandId);
        return this;
    }

    /** The raw 16-bit status field, phase tag included (plain read). */
    public int statusField() {
        return segment.get(SHORT, offset + STATUS_OFFSET) & 0xFFFF;
    }

    /** The raw 16-bit status field read with acquire semantics: the host's "is it new?" load. */
    public int statusFieldAcquire() {
        return ((short) STATUS_FIELD.getAcquire(segment, offset + STATUS_OFFSET)) & 0xFFFF;
    }

    /** Phase tag (0 or 1) of the entry. */
    public int phase() {
        return statusField() & PHASE_TAG_BIT;
    }

    /** The driver's status integer: status field without the phase tag; 0 is success. */
    public int status() {
        return statusField() >>> STATUS_SHIFT;
    }

    public int statusCode() {
        return NvmeStatus.code(status());
    }

    public int statusCodeType() {
        return NvmeStatus.type(status());
    }

    public boolean doNotRetry() {
        return NvmeStatus.doNotRetry(status());
    }

    /** Plain write of the status field from a driver status and a phase tag. */
    public NvmeCompletion statusField(int status, int phase) {
        segment.set(SHORT, offset + STATUS_OFFSET, statusFieldOf(status, phase));
        return this;
    }

    /**
     * Writes the status field with release semantics, after every other field of the entry:
     * the device side's last store, which hands the entry to the host.
     */
    public NvmeCompletion publishStatus(int status, int phase) {
        STATUS_FIELD.setRelease(segment, offset + STATUS_OFFSET, statusFieldOf(status, phase));
        return this;
    }

    private static short statusFieldOf(int status, int phase) {
        return (short) ((status << STATUS_SHIFT) | (phase & PHASE_TAG_BIT));
    }

    @Override
    public String toString() {
        return "NvmeCompletion{cid=" + commandId() + ", sqHead=" + sqHead() + ", phase=" + phase() + ", status="
                + NvmeStatus.describe(status()) + '}';
    }
}
