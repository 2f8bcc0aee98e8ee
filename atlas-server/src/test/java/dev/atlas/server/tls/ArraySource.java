package dev.atlas.server.tls;

import dev.atlas.server.tcp.PayloadSource;
import dev.atlas.server.tcp.TcpConnection;
import java.lang.foreign.MemorySegment;

/**
 * Plaintext from a byte array (source offset = index), for the record-layer tests. It can
 * pretend that a whole record's plaintext is not at hand ({@link #denyWholeRecords}), as after
 * the drive chunk of a partly sent record was let go, so the AES-CTR path runs.
 */
final class ArraySource implements PayloadSource {
    final byte[] bytes;
    private final MemorySegment segment;
    private final long bodyStart;
    private final long bodyLength;
    boolean denyWholeRecords;
    long filled;

    ArraySource(byte[] bytes, long bodyStart, long bodyLength) {
        this.bytes = bytes;
        this.segment = MemorySegment.ofArray(bytes);
        this.bodyStart = bodyStart;
        this.bodyLength = bodyLength;
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
        MemorySegment.copy(segment, sourceOffset, dst, dstOffset, length);
        filled += length;
    }

    @Override
    public long ready(TcpConnection connection, long streamOffset, long token, long sourceOffset, long length) {
        if (denyWholeRecords) {
            final long within = sourceOffset - bodyStart;
            final long k = RecordLayout.recordAt(bodyStart, bodyLength, within, 0); // overhead 0: plaintext offsets
            if (RecordLayout.plaintextStart(bodyStart, bodyLength, k) == within
                    && RecordLayout.plaintextLength(bodyStart, bodyLength, k) == length) {
                return 0;
            }
        }
        return length;
    }
}
