package dev.atlas.catalogue.format;

import static dev.atlas.catalogue.format.IndexEntryDescriptor.*;

import java.lang.foreign.MemorySegment;

/**
 * Reads and writes one index entry in place, at an offset inside the index segment. Accessors
 * do no validation; {@link IndexCodec} checks lengths against the segment before trusting them.
 */
public final class IndexEntryFlyweight {

    private MemorySegment segment;
    private long offset;

    public IndexEntryFlyweight wrap(MemorySegment segment, long offset) {
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    public long offset() {
        return offset;
    }

    public int entryLength() {
        return segment.get(Le.INT, offset + ENTRY_LENGTH_OFFSET);
    }

    public IndexEntryFlyweight entryLength(int value) {
        segment.set(Le.INT, offset + ENTRY_LENGTH_OFFSET, value);
        return this;
    }

    public int nameLength() {
        return Short.toUnsignedInt(segment.get(Le.SHORT, offset + NAME_LENGTH_OFFSET));
    }

    public IndexEntryFlyweight nameLength(int value) {
        segment.set(Le.SHORT, offset + NAME_LENGTH_OFFSET, (short) value);
        return this;
    }

    public int contentTypeLength() {
        return Short.toUnsignedInt(segment.get(Le.SHORT, offset + CONTENT_TYPE_LENGTH_OFFSET));
    }

    public IndexEntryFlyweight contentTypeLength(int value) {
        segment.set(Le.SHORT, offset + CONTENT_TYPE_LENGTH_OFFSET, (short) value);
        return this;
    }

    public int etagLength() {
        return Short.toUnsignedInt(segment.get(Le.SHORT, offset + ETAG_LENGTH_OFFSET));
    }

    public IndexEntryFlyweight etagLength(int value) {
        segment.set(Le.SHORT, offset + ETAG_LENGTH_OFFSET, (short) value);
        return this;
    }

    public int flags() {
        return Short.toUnsignedInt(segment.get(Le.SHORT, offset + FLAGS_OFFSET));
    }

    public IndexEntryFlyweight flags(int value) {
        segment.set(Le.SHORT, offset + FLAGS_OFFSET, (short) value);
        return this;
    }

    public int device() {
        return segment.get(Le.INT, offset + DEVICE_OFFSET);
    }

    public IndexEntryFlyweight device(int value) {
        segment.set(Le.INT, offset + DEVICE_OFFSET, value);
        return this;
    }

    public long firstLba() {
        return segment.get(Le.LONG, offset + FIRST_LBA_OFFSET);
    }

    public IndexEntryFlyweight firstLba(long value) {
        segment.set(Le.LONG, offset + FIRST_LBA_OFFSET, value);
        return this;
    }

    public long byteLength() {
        return segment.get(Le.LONG, offset + BYTE_LENGTH_OFFSET);
    }

    public IndexEntryFlyweight byteLength(long value) {
        segment.set(Le.LONG, offset + BYTE_LENGTH_OFFSET, value);
        return this;
    }

    public long mtimeMillis() {
        return segment.get(Le.LONG, offset + MTIME_OFFSET);
    }

    public IndexEntryFlyweight mtimeMillis(long value) {
        segment.set(Le.LONG, offset + MTIME_OFFSET, value);
        return this;
    }

    /** The 32-byte SHA-256 field, as a slice of the index (no copy). */
    public MemorySegment sha256() {
        return segment.asSlice(offset + SHA256_OFFSET, SHA256_LENGTH);
    }

    public long nameOffset() {
        return offset + VARIABLE_OFFSET;
    }

    public long contentTypeOffset() {
        return nameOffset() + nameLength();
    }

    public long etagOffset() {
        return contentTypeOffset() + contentTypeLength();
    }
}
