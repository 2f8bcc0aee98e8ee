package dev.atlas.server;

import dev.atlas.server.storage.ChunkLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Sizes a lane's chunk-buffer pool from the machine when the operator leaves {@code --buffers}
 * at {@code auto}, and says what a chosen size will cost. The pool is the most the lane's
 * pipeline can hold between the drive and the wire; the thesis's point (DESIGN §1.3) is that
 * this working set should fit in the last-level cache, so each lane gets its slice of the LLC,
 * within bounds that keep many connections served and memory modest.
 */
final class LaneSizing {
    /** When the machine does not say how large its LLC is (VMs, containers): what a 32 MiB LLC over four lanes gives. */
    static final int FALLBACK_BUFFERS = 256;
    /** Fewer than this and a few hundred viewers queue for buffers most of the time. */
    static final int MIN_BUFFERS = 64;

    static final int MAX_BUFFERS = 4096;
    /** The buffers of all lanes together may take at most this fraction of the machine's memory. */
    private static final int MEMORY_FRACTION = 8;

    private LaneSizing() {}

    /**
     * Buffers per lane: the lane's share of the last-level cache ({@code llcBytes}, 0 when
     * unknown) in chunk buffers, between {@link #MIN_BUFFERS} and {@link #MAX_BUFFERS}, and never
     * more than an eighth of {@code memoryBytes} over all {@code lanes}.
     */
    static int defaultBuffers(long llcBytes, int lanes, long memoryBytes) {
        long buffers = llcBytes <= 0 ? FALLBACK_BUFFERS : llcBytes / lanes / ChunkLayout.BUFFER_BYTES;
        buffers = Math.max(MIN_BUFFERS, Math.min(MAX_BUFFERS, buffers));
        if (memoryBytes > 0) {
            buffers = Math.min(buffers, Math.max(1, memoryBytes / MEMORY_FRACTION / lanes / ChunkLayout.BUFFER_BYTES));
        }
        return (int) buffers;
    }

    /** What an operator should know about a sizing before the lanes start: one sentence each. */
    static List<String> warnings(int buffers, int chunksPerConnection, int lanes, long llcBytes) {
        final List<String> warnings = new ArrayList<>();
        final long workingSet = (long) buffers * ChunkLayout.BUFFER_BYTES * lanes;
        if (llcBytes > 0 && workingSet > llcBytes) {
            warnings.add("the chunk buffers of all lanes (" + (workingSet >> 20) + " MiB) exceed the last-level cache ("
                    + (llcBytes >> 20) + " MiB): under full load bytes go through DRAM between the drive and the NIC");
        }
        if (buffers < 2) {
            warnings.add("with one chunk buffer per lane every connection waits for every other, and segments that span"
                    + " a record go out in two pieces; use --buffers " + MIN_BUFFERS + " or more");
        }
        if (chunksPerConnection < 2) {
            warnings.add("with --chunks-per-connection 1 a segment that spans two records goes out in two pieces"
                    + " and a connection reads at most one record per round trip; 2 or more is better");
        }
        return warnings;
    }
}
