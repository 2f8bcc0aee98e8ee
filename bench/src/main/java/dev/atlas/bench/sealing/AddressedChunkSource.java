package dev.atlas.bench.sealing;

import dev.atlas.server.tcp.PayloadInMemory;
import dev.atlas.server.tcp.TcpConnection;
import java.lang.foreign.MemorySegment;

/** A {@link ChunkSource} that also says where a record's plaintext lies, so it is sealed from there into the frame. */
final class AddressedChunkSource extends ChunkSource implements PayloadInMemory {
    AddressedChunkSource(MemorySegment chunk) {
        super(chunk);
    }

    @Override
    public long address(TcpConnection connection, long streamOffset, long token, long sourceOffset, int length) {
        final long within = sourceOffset % chunk.byteSize();
        return within + length <= chunk.byteSize() ? chunk.address() + within : 0;
    }

    @Override
    public void copy(
            TcpConnection connection,
            long streamOffset,
            long token,
            long sourceOffset,
            MemorySegment dst,
            long dstOffset,
            int length) {
        fill(connection, streamOffset, token, sourceOffset, dst, dstOffset, length);
    }

    /** The chunk stands for the drive's bytes for the whole benchmark: nothing to free. */
    @Override
    public void taken(TcpConnection connection, long streamOffset, int length) {}
}
