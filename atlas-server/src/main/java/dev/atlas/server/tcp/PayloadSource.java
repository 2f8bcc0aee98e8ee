package dev.atlas.server.tcp;

import java.lang.foreign.MemorySegment;

/**
 * Regenerates the bytes of a stream segment on demand: the engine keeps no copy of them, so a
 * retransmission asks again. Filling is a separate step from deciding what to send, so a later
 * source (disk reads clocked by ACKs) can complete fills asynchronously.
 */
public interface PayloadSource {
    /**
     * Writes {@code length} bytes of the extent {@code token}, starting {@code sourceOffset}
     * bytes into it, to {@code dst} at {@code dstOffset}. Must not allocate or block.
     */
    void fill(long token, long sourceOffset, MemorySegment dst, long dstOffset, int length);
}
