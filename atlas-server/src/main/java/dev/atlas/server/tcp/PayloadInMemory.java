package dev.atlas.server.tcp;

/**
 * A {@link PayloadSource} that can say where its ready bytes lie in native memory (a drive
 * read's chunk buffer), so that a layer that transforms them on the way to the wire — the TLS
 * record layer sealing a record — reads them from there and writes the result straight into the
 * frame: the transformation is the copy.
 */
public interface PayloadInMemory {
    /**
     * Native address of the {@code length} bytes of extent {@code token} from
     * {@code sourceOffset} (stream offset {@code streamOffset}), ready and contiguous, valid until
     * the lane's next step; 0 when they are not so (the caller then {@code fill}s them).
     */
    long address(TcpConnection connection, long streamOffset, long token, long sourceOffset, int length);

    /**
     * Copies the {@code length} ready bytes of extent {@code token} from {@code sourceOffset}
     * (stream offset {@code streamOffset}) into {@code dst} without counting them as sent: the
     * caller transforms them (seals a record into a staging area) and says {@link #taken} once
     * the result has all gone into frames, so the source keeps them until then and a record whose
     * end goes in a later frame is sealed again from memory, not read again.
     */
    void copy(
            TcpConnection connection,
            long streamOffset,
            long token,
            long sourceOffset,
            java.lang.foreign.MemorySegment dst,
            long dstOffset,
            int length);

    /**
     * The {@code length} bytes at {@code streamOffset} that {@link #address} or {@link #copy}
     * gave went into frames: for the source's bookkeeping what a {@code fill} of them would have
     * been (a chunk whose every byte went out can be freed).
     */
    void taken(TcpConnection connection, long streamOffset, int length);
}
