package dev.atlas.server.tcp;

import java.lang.foreign.MemorySegment;

/**
 * Regenerates the bytes of a stream segment on demand: the engine keeps no copy of them, so a
 * retransmission asks again. A source whose bytes are not in memory (catalogue extents on a
 * drive) stages them per connection: the engine asks how much of a range is {@link #ready},
 * asks it to {@link #fetch} the rest (a disk read clocked by the ACK that opened the window),
 * and sends once the source wakes the connection ({@link TcpConnection#wake()}). A source in
 * memory is always ready and needs only {@link #fill}.
 *
 * <p>Every call names the piece of the stream segment it is about: stream offset
 * {@code streamOffset} holds byte {@code sourceOffset} of extent {@code token}. All calls run on
 * the lane thread and must neither allocate nor block.
 */
public interface PayloadSource {
    /**
     * Writes {@code length} bytes of the piece to {@code dst} at {@code dstOffset}; the bytes must
     * be {@link #ready}.
     */
    void fill(
            TcpConnection connection,
            long streamOffset,
            long token,
            long sourceOffset,
            MemorySegment dst,
            long dstOffset,
            int length);

    /** How many bytes of the {@code length}-byte piece, from its start, can be filled now. */
    default long ready(TcpConnection connection, long streamOffset, long token, long sourceOffset, long length) {
        return length;
    }

    /**
     * Starts bringing the {@code length}-byte piece into memory (what is already staged or on its
     * way is not asked for again). {@code extentRemaining} (≥ {@code length}) is how far the
     * extent goes on from {@code sourceOffset} in this stream segment: a source that reads whole
     * records may read that far, never farther. The source wakes the connection when more
     * becomes ready, or when it could not start for want of a buffer or queue slot and now can.
     */
    default void fetch(
            TcpConnection connection,
            long streamOffset,
            long token,
            long sourceOffset,
            long length,
            long extentRemaining) {}

    /**
     * {@link #fetch} for a stream segment that carries the extent's bytes with {@code gap} bytes
     * of its own inserted at every multiple of {@code cell} in the source's address space (TLS
     * records: one record's tag and the next one's header between two records' plaintext).
     * {@code length} and {@code extentRemaining} count source bytes; the piece starts at a
     * source byte, at {@code streamOffset}. A source that reads several cells per command reads
     * them into one buffer whatever the gaps; by default each cell is asked for on its own.
     */
    default void fetchSpaced(
            TcpConnection connection,
            long streamOffset,
            long token,
            long sourceOffset,
            long length,
            long extentRemaining,
            int cell,
            int gap) {
        long address = sourceOffset;
        long position = streamOffset;
        final long end = sourceOffset + length;
        while (address < end) {
            // Never past the cell: the next one's bytes sit at stream offsets of their own.
            final long cellLimit =
                    Math.min(sourceOffset + extentRemaining, address - Math.floorMod(address, cell) + cell);
            final long cellEnd = Math.min(end, cellLimit);
            fetch(connection, position, token, address, cellEnd - address, cellLimit - address);
            position += cellEnd - address + gap;
            address = cellEnd;
        }
    }

    /**
     * Whether the connection's byte at {@code streamOffset} (the first one not in memory) can
     * come in only after it sends some of those it has (it waits for a buffer, or holds its
     * share, and the byte is not on its way): the engine then sends
     * the ready bytes even when they end inside a segment, instead of holding them while it
     * waits for the rest of the segment.
     */
    default boolean starved(TcpConnection connection, long streamOffset) {
        return false;
    }

    /**
     * Where the unit the byte at {@code streamOffset} belongs to begins (a TLS record: it is
     * sealed whole, so a frame that ends inside one leaves the rest to be sealed or staged
     * again): the engine ends a long frame there rather than inside the unit, and sends a unit's
     * last bytes even as a short segment rather than hold them back. A source without units says
     * -1.
     */
    default long unitStart(TcpConnection connection, long streamOffset, long token, long sourceOffset) {
        return -1;
    }

    /**
     * The peer acknowledged the connection's stream up to {@code streamOffset}, which lies inside
     * or at the end of a stream segment of this source: anything staged below it can go.
     */
    default void acknowledged(TcpConnection connection, long streamOffset) {}
}
