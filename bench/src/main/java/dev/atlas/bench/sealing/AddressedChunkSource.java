package dev.atlas.bench.sealing;

import dev.atlas.server.tcp.TcpConnection;
import dev.atlas.server.tls.SealedBodies;
import java.lang.foreign.MemorySegment;

/** A {@link ChunkSource} that also says where a record's plaintext lies, so it is sealed from there into the frame. */
final class AddressedChunkSource extends ChunkSource implements SealedBodies.PlaintextInMemory {
    AddressedChunkSource(MemorySegment chunk) {
        super(chunk);
    }

    @Override
    public long address(TcpConnection connection, long streamOffset, long token, long sourceOffset, int length) {
        final long within = sourceOffset % chunk.byteSize();
        return within + length <= chunk.byteSize() ? chunk.address() + within : 0;
    }
}
