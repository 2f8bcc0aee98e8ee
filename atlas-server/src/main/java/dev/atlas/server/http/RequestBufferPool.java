package dev.atlas.server.http;

import dev.atlas.server.tcp.ReservedMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A lane's preallocated request buffers: one off-heap slab cut into a fixed number of
 * connection slots, each a request buffer of {@link HttpLimits#requestHeadBytes()} plus a name
 * buffer of the same size, with its {@link HttpRequest} view made once up front. Slots are
 * handed out LIFO so the most recently used (cache-warm) one is reused first.
 * Single-threaded: owned by one lane.
 */
public final class RequestBufferPool {
    private final HttpRequest[] requests;
    private final int[] free;
    private int freeCount;

    /**
     * @param arena       unused: the slab is {@link ReservedMemory}, resident only where slots are used
     * @param limits      gives the request buffer size
     * @param connections how many requests can be parsed at once
     */
    public RequestBufferPool(Arena arena, HttpLimits limits, int connections) {
        if (connections < 1) {
            throw new IllegalArgumentException("a request buffer pool needs at least one slot, was " + connections);
        }
        final long headBytes = limits.requestHeadBytes();
        final long slotBytes = 2 * headBytes;
        // Reserved, not allocated: a slot is resident only once a request has been parsed into it.
        final MemorySegment slab = ReservedMemory.reserve(slotBytes * connections);
        requests = new HttpRequest[connections];
        free = new int[connections];
        for (int slot = 0; slot < connections; slot++) {
            MemorySegment head = slab.asSlice(slot * slotBytes, headBytes);
            MemorySegment name = slab.asSlice(slot * slotBytes + headBytes, headBytes);
            requests[slot] = new HttpRequest(head, name, slot);
        }
        for (int i = 0; i < connections; i++) {
            free[i] = connections - 1 - i;
        }
        freeCount = connections;
    }

    /** A reset request view for a new connection, or null when every slot is in use (refuse the connection). */
    public HttpRequest acquire() {
        if (freeCount == 0) {
            return null;
        }
        HttpRequest request = requests[free[--freeCount]];
        request.reset();
        return request;
    }

    /** Gives a connection's request view back when the connection closes. */
    public void release(HttpRequest request) {
        int slot = request.poolSlot;
        if (slot < 0 || slot >= requests.length || requests[slot] != request) {
            throw new IllegalArgumentException("this request view does not belong to this pool");
        }
        free[freeCount++] = slot;
    }

    public int capacity() {
        return requests.length;
    }

    public int available() {
        return freeCount;
    }
}
