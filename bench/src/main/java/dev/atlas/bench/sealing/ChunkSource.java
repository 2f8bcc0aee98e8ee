package dev.atlas.bench.sealing;

import dev.atlas.server.tcp.PayloadSource;
import dev.atlas.server.tcp.TcpConnection;
import java.lang.foreign.MemorySegment;

/**
 * Plaintext in one off-heap chunk buffer, as the drive reads a record into: every record of the
 * body reads the same {@code chunk.byteSize()} bytes (source offsets wrap), so a body of any
 * length stays in the core's caches and only the sealing is measured. Fills by copying.
 */
class ChunkSource implements PayloadSource {
    final MemorySegment chunk;

    ChunkSource(MemorySegment chunk) {
        this.chunk = chunk;
    }

    @Override
    public void fill(
            TcpConnection connection,
            long streamOffset,
            long token,
            long sourceOffset,
            MemorySegment dst,
            long dstOffset,
            int length) {
        MemorySegment.copy(chunk, sourceOffset % chunk.byteSize(), dst, dstOffset, length);
    }
}
