package dev.atlas.server.http;

import dev.atlas.server.tcp.ReservedMemory;
import java.lang.foreign.MemorySegment;

/**
 * The responses each connection has queued but the peer has not yet acknowledged in full, in
 * order: what the access log writes once they complete (with their request line, saved here
 * because the request buffer is reused by the next pipelined request) and which catalogue
 * generation each still reads from. Fixed capacity per connection; preallocated; lane thread only.
 */
final class PendingResponses {
    /** Request-line bytes kept per response for the log; longer lines are cut. */
    static final int LINE_BYTES = 256;

    private final int depth;
    private final long[] streamStart;
    private final long[] streamEnd;
    private final int[] status;
    private final long[] startNanos;
    private final long[] generation;
    private final int[] lineLength;
    private final MemorySegment lines;
    private final int[] head;
    private final int[] count;

    /** Room for {@code depth} pipelined responses on each of {@code connections} connections. */
    PendingResponses(int connections, int depth) {
        this.depth = depth;
        final int n = connections * depth;
        this.streamStart = new long[n];
        this.streamEnd = new long[n];
        this.status = new int[n];
        this.startNanos = new long[n];
        this.generation = new long[n];
        this.lineLength = new int[n];
        this.lines = ReservedMemory.reserve((long) n * LINE_BYTES); // resident as connections log their first lines
        this.head = new int[connections];
        this.count = new int[connections];
    }

    boolean isFull(int connection) {
        return count[connection] == depth;
    }

    int count(int connection) {
        return count[connection];
    }

    /**
     * Queues a response occupying stream bytes {@code [start, end)}; the request line is the first
     * {@code length} bytes of {@code line}. The caller checked {@link #isFull}.
     */
    void add(
            int connection,
            long start,
            long end,
            int statusCode,
            long nanos,
            long gen,
            MemorySegment line,
            int length) {
        int slot = head[connection] + count[connection];
        if (slot >= depth) {
            slot -= depth;
        }
        final int i = connection * depth + slot;
        streamStart[i] = start;
        streamEnd[i] = end;
        status[i] = statusCode;
        startNanos[i] = nanos;
        generation[i] = gen;
        final int kept = Math.min(LINE_BYTES, length);
        lineLength[i] = kept;
        MemorySegment.copy(line, 0, lines, (long) i * LINE_BYTES, kept);
        count[connection]++;
    }

    /** Index of the oldest pending response of {@code connection} (valid while count > 0). */
    int oldest(int connection) {
        return connection * depth + head[connection];
    }

    void removeOldest(int connection) {
        head[connection] = head[connection] + 1 == depth ? 0 : head[connection] + 1;
        count[connection]--;
    }

    void clear(int connection) {
        head[connection] = 0;
        count[connection] = 0;
    }

    long streamStart(int i) {
        return streamStart[i];
    }

    long streamEnd(int i) {
        return streamEnd[i];
    }

    int status(int i) {
        return status[i];
    }

    long startNanos(int i) {
        return startNanos[i];
    }

    long generation(int i) {
        return generation[i];
    }

    /** Where the saved request lines are: pending response {@code i}'s starts at {@link #lineOffset}. */
    MemorySegment lines() {
        return lines;
    }

    long lineOffset(int i) {
        return (long) i * LINE_BYTES;
    }

    int lineLength(int i) {
        return lineLength[i];
    }
}
