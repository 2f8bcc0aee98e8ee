package dev.atlas.server.tcp;

import java.lang.foreign.MemorySegment;

/**
 * One connection's outgoing byte stream without a socket buffer: an ordered list of stream
 * segments, each mapping a range of stream offsets {@code [start, end)} either to bytes retained
 * in a small per-connection ring (response headers, error bodies) or to an extent of a
 * {@link PayloadSource} that regenerates the bytes on demand. Offsets are 64-bit stream
 * positions (0 = first byte after the SYN), never wrapping sequence numbers.
 *
 * <p>Fixed capacity, preallocated; appending, trimming and filling never allocate.
 */
public final class SendStream {
    private static final byte KIND_RETAINED = 0;
    private static final byte KIND_SOURCE = 1;

    private final int capacity;
    private final long[] segmentStart;
    private final long[] segmentEnd;
    private final byte[] kind;
    /** For retained segments: position of the first byte in the retained ring (monotonic). */
    private final long[] retainedPosition;

    private final PayloadSource[] source;
    private final long[] token;
    private final long[] sourceOffset;

    private final MemorySegment retained;
    private final long retainedCapacity;
    private long retainedWrite;
    private long retainedRelease;

    private int head;
    private int count;
    private long end;
    private long trimmed;
    /** The connection this stream belongs to, handed to sources (null for a stream used alone). */
    private TcpConnection owner;

    /** A stream holding up to {@code segments} stream segments, with {@code retained} as its retained-byte ring. */
    public SendStream(int segments, MemorySegment retained) {
        this.capacity = segments;
        this.segmentStart = new long[segments];
        this.segmentEnd = new long[segments];
        this.kind = new byte[segments];
        this.retainedPosition = new long[segments];
        this.source = new PayloadSource[segments];
        this.token = new long[segments];
        this.sourceOffset = new long[segments];
        this.retained = retained;
        this.retainedCapacity = retained.byteSize();
    }

    /** Names the connection whose bytes these are (sources stage per connection). */
    void owner(TcpConnection connection) {
        this.owner = connection;
    }

    /** Forgets everything; the next byte appended gets stream offset 0. */
    public void reset() {
        for (int i = 0; i < capacity; i++) {
            source[i] = null;
        }
        head = 0;
        count = 0;
        end = 0;
        trimmed = 0;
        retainedWrite = 0;
        retainedRelease = 0;
    }

    /** Stream offset one past the last byte queued. */
    public long end() {
        return end;
    }

    /** Lowest stream offset still held (everything below was acknowledged and released). */
    public long start() {
        return trimmed;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /** Free bytes in the retained ring. */
    public long retainedFree() {
        return retainedCapacity - (retainedWrite - retainedRelease);
    }

    /** Free stream-segment slots. */
    public int segmentsFree() {
        return capacity - count;
    }

    /**
     * Copies {@code length} bytes into the retained ring and queues them. Returns {@code false}
     * (queuing nothing) when the ring or the segment list is full.
     */
    public boolean appendRetained(MemorySegment bytes, long offset, int length) {
        if (length <= 0) {
            return length == 0;
        }
        if (length > retainedFree()) {
            return false;
        }
        final int last = count == 0 ? -1 : index(count - 1);
        final boolean extend = last >= 0
                && kind[last] == KIND_RETAINED
                && retainedPosition[last] + (segmentEnd[last] - segmentStart[last]) == retainedWrite;
        if (!extend && count == capacity) {
            return false;
        }
        final long position = retainedWrite;
        copyIntoRing(bytes, offset, position, length);
        retainedWrite += length;
        if (extend) {
            segmentEnd[last] += length;
        } else {
            final int i = index(count++);
            kind[i] = KIND_RETAINED;
            segmentStart[i] = end;
            segmentEnd[i] = end + length;
            retainedPosition[i] = position;
            source[i] = null;
        }
        end += length;
        return true;
    }

    /** Queues {@code length} bytes regenerated from {@code src}; {@code false} when the segment list is full. */
    public boolean appendSource(PayloadSource src, long srcToken, long srcOffset, long length) {
        if (length <= 0) {
            return length == 0;
        }
        final int last = count == 0 ? -1 : index(count - 1);
        if (last >= 0
                && kind[last] == KIND_SOURCE
                && source[last] == src
                && token[last] == srcToken
                && sourceOffset[last] + (segmentEnd[last] - segmentStart[last]) == srcOffset) {
            segmentEnd[last] += length;
            end += length;
            return true;
        }
        if (count == capacity) {
            return false;
        }
        final int i = index(count++);
        kind[i] = KIND_SOURCE;
        segmentStart[i] = end;
        segmentEnd[i] = end + length;
        source[i] = src;
        token[i] = srcToken;
        sourceOffset[i] = srcOffset;
        end += length;
        return true;
    }

    /**
     * Releases every stream segment wholly below {@code acked} (the peer has the bytes) and tells
     * the sources of the segments it reaches into, so they can drop what they staged.
     */
    public void trim(long acked) {
        while (count > 0) {
            final int i = head;
            if (kind[i] == KIND_SOURCE && segmentStart[i] < acked) {
                source[i].acknowledged(owner, Math.min(acked, segmentEnd[i]));
            }
            if (segmentEnd[i] > acked) {
                break;
            }
            if (kind[i] == KIND_RETAINED) {
                retainedRelease = retainedPosition[i] + (segmentEnd[i] - segmentStart[i]);
            }
            source[i] = null;
            head = head + 1 == capacity ? 0 : head + 1;
            count--;
        }
        if (acked > trimmed) {
            trimmed = Math.min(acked, end);
        }
    }

    /**
     * End of the run of bytes from {@code from} (up to {@code to}) that can be filled now:
     * retained bytes always, source bytes once their source has them ready.
     */
    public long readyEnd(long from, long to) {
        long position = from;
        int n = firstSegmentAt(from);
        while (position < to && n < count) {
            final int i = index(n);
            final long pieceEnd = Math.min(to, segmentEnd[i]);
            if (kind[i] == KIND_SOURCE) {
                final long within = position - segmentStart[i];
                final long ready =
                        source[i].ready(owner, position, token[i], sourceOffset[i] + within, pieceEnd - position);
                if (ready < pieceEnd - position) {
                    return position + Math.max(0, ready);
                }
            }
            position = pieceEnd;
            n++;
        }
        return Math.max(from, Math.min(position, to));
    }

    /**
     * {@code to}, or an earlier end in {@code (from, to)} where the source's unit holding byte
     * {@code to} begins ({@link PayloadSource#unitStart}), so a frame ends on a TLS record's
     * boundary instead of inside it.
     */
    public long unitAlignedEnd(long from, long to) {
        final int n = firstSegmentAt(to);
        if (n >= count) {
            return to;
        }
        final int i = index(n);
        if (kind[i] != KIND_SOURCE || segmentStart[i] >= to) {
            return to;
        }
        final long start = source[i].unitStart(owner, to, token[i], sourceOffset[i] + (to - segmentStart[i]));
        return start > from && start < to ? start : to;
    }

    /** Whether a source unit (a TLS record) begins at {@code position}: the bytes before it complete one. */
    public boolean atUnitStart(long position) {
        final int n = firstSegmentAt(position);
        if (n >= count) {
            return false;
        }
        final int i = index(n);
        return kind[i] == KIND_SOURCE
                && segmentStart[i] < position
                && source[i].unitStart(owner, position, token[i], sourceOffset[i] + (position - segmentStart[i]))
                        == position;
    }

    /** Whether the source of the byte at {@code position} is {@link PayloadSource#starved starved} for this connection. */
    public boolean starved(long position) {
        final int n = firstSegmentAt(position);
        if (n >= count) {
            return false;
        }
        final int i = index(n);
        return kind[i] == KIND_SOURCE && source[i].starved(owner, position);
    }

    /** Asks the sources of {@code [from, to)} to bring their bytes in (see {@link PayloadSource#fetch}). */
    public void fetch(long from, long to) {
        long position = Math.max(from, trimmed);
        int n = firstSegmentAt(position);
        while (position < to && n < count) {
            final int i = index(n);
            final long pieceEnd = Math.min(to, segmentEnd[i]);
            if (kind[i] == KIND_SOURCE) {
                source[i].fetch(
                        owner,
                        position,
                        token[i],
                        sourceOffset[i] + (position - segmentStart[i]),
                        pieceEnd - position,
                        segmentEnd[i] - position);
            }
            position = pieceEnd;
            n++;
        }
    }

    /**
     * Writes the stream bytes {@code [streamOffset, streamOffset + length)} to {@code dst} at
     * {@code dstOffset}, regenerating source extents. The range must lie within [start(), end())
     * and be {@link #readyEnd ready}.
     */
    public void fill(long streamOffset, MemorySegment dst, long dstOffset, int length) {
        if (streamOffset < trimmed || streamOffset + length > end) {
            throw new IllegalArgumentException("range [" + streamOffset + ", " + (streamOffset + length)
                    + ") is outside the stream [" + trimmed + ", " + end + ")");
        }
        long position = streamOffset;
        long out = dstOffset;
        int remaining = length;
        int n = firstSegmentAt(position);
        while (remaining > 0) {
            final int i = index(n);
            final long within = position - segmentStart[i];
            final int chunk = (int) Math.min(remaining, segmentEnd[i] - position);
            if (kind[i] == KIND_RETAINED) {
                copyFromRing(retainedPosition[i] + within, dst, out, chunk);
            } else {
                source[i].fill(owner, position, token[i], sourceOffset[i] + within, dst, out, chunk);
            }
            position += chunk;
            out += chunk;
            remaining -= chunk;
            n++;
        }
    }

    /** Index (0 = head) of the first segment that ends after {@code position}. */
    private int firstSegmentAt(long position) {
        int n = 0;
        while (n < count && segmentEnd[index(n)] <= position) {
            n++;
        }
        return n;
    }

    private int index(int n) {
        final int i = head + n;
        return i >= capacity ? i - capacity : i;
    }

    private void copyIntoRing(MemorySegment bytes, long offset, long position, int length) {
        final long at = position % retainedCapacity;
        final long first = Math.min(length, retainedCapacity - at);
        MemorySegment.copy(bytes, offset, retained, at, first);
        if (first < length) {
            MemorySegment.copy(bytes, offset + first, retained, 0, length - first);
        }
    }

    private void copyFromRing(long position, MemorySegment dst, long dstOffset, int length) {
        final long at = position % retainedCapacity;
        final long first = Math.min(length, retainedCapacity - at);
        MemorySegment.copy(retained, at, dst, dstOffset, first);
        if (first < length) {
            MemorySegment.copy(retained, 0, dst, dstOffset + first, length - first);
        }
    }
}
