package dev.atlas.server.http;

import dev.atlas.server.tcp.PayloadSource;
import dev.atlas.server.tcp.TcpConnection;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The regenerable test body: byte {@code i} of a pattern response is {@code i mod 251} (a prime,
 * so the pattern never lines up with MSS, page or TSO boundaries and a misplaced slice shows).
 * Nothing is stored per response: {@link #fill} recomputes any range from a small read-only table,
 * which is what lets the TCP engine retransmit without a socket buffer. The token is unused.
 */
public final class PatternSource implements PayloadSource {
    /** The pattern's period. */
    public static final int MODULUS = 251;
    /** One copy from the table covers a whole 64 KiB super-frame from any phase. */
    private static final int TABLE_PERIODS = (64 * 1024) / MODULUS + 2;

    private static final int TABLE_BYTES = TABLE_PERIODS * MODULUS;
    /** Longest slice one copy takes; the rest of a longer fill loops. */
    private static final int MAX_COPY = TABLE_BYTES - MODULUS;

    private static final MemorySegment TABLE = buildTable();

    private static MemorySegment buildTable() {
        final MemorySegment table = Arena.global().allocate(TABLE_BYTES, Long.BYTES);
        for (int i = 0; i < TABLE_BYTES; i++) {
            table.set(ValueLayout.JAVA_BYTE, i, patternByte(i));
        }
        return table.asReadOnly();
    }

    /** Byte {@code position} of any pattern body. */
    public static byte patternByte(long position) {
        return (byte) (position % MODULUS);
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
        long position = sourceOffset;
        long to = dstOffset;
        int remaining = length;
        while (remaining > 0) {
            final int chunk = Math.min(remaining, MAX_COPY);
            MemorySegment.copy(TABLE, position % MODULUS, dst, to, chunk);
            position += chunk;
            to += chunk;
            remaining -= chunk;
        }
    }
}
