package dev.atlas.diskmap.buffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A pool of fixed-size DMA buffers in one off-heap region, for one lane (single thread).
 *
 * <p>Buffers are 4 KiB aligned and a multiple of 4 KiB long, so each starts on an NVMe memory
 * page and a PRP list describes it without offsets. Free buffers sit on a LIFO stack: the buffer
 * released last is handed out next, while it is still warm in the cache (DESIGN.md §1, point 3).
 * {@link #acquire()} and {@link #release(int)} allocate nothing; slices are made once up front.
 */
public final class DmaBufferPool implements AutoCloseable {
    /** NVMe memory page size (CC.MPS = 0) and the alignment of every buffer. */
    public static final int PAGE_SIZE = 4096;
    /** Returned by {@link #acquire()} when every buffer is in use. */
    public static final int NO_BUFFER = -1;

    private final Arena arena;
    private final MemorySegment region;
    private final MemorySegment[] buffers;
    private final long[] addresses;
    private final int bufferSize;
    private final int[] freeStack;
    private final boolean[] inUse;
    private int freeCount;

    /**
     * @param bufferCount number of buffers, at least one
     * @param bufferSize  bytes per buffer, a positive multiple of {@value #PAGE_SIZE}
     */
    public DmaBufferPool(int bufferCount, int bufferSize) {
        if (bufferCount < 1) {
            throw new IllegalArgumentException("a buffer pool needs at least one buffer, not " + bufferCount);
        }
        if (bufferSize < PAGE_SIZE || bufferSize % PAGE_SIZE != 0) {
            throw new IllegalArgumentException(
                    "DMA buffer size must be a positive multiple of " + PAGE_SIZE + " bytes, not " + bufferSize);
        }
        this.arena = Arena.ofShared();
        this.bufferSize = bufferSize;
        this.region = arena.allocate((long) bufferCount * bufferSize, PAGE_SIZE);
        this.buffers = new MemorySegment[bufferCount];
        this.addresses = new long[bufferCount];
        this.freeStack = new int[bufferCount];
        this.inUse = new boolean[bufferCount];
        for (int i = 0; i < bufferCount; i++) {
            buffers[i] = region.asSlice((long) i * bufferSize, bufferSize);
            addresses[i] = buffers[i].address();
            // Highest index at the bottom, so buffer 0 is handed out first.
            freeStack[i] = bufferCount - 1 - i;
        }
        this.freeCount = bufferCount;
    }

    /** Takes the most recently released free buffer; {@link #NO_BUFFER} when none is free. */
    public int acquire() {
        if (freeCount == 0) {
            return NO_BUFFER;
        }
        final int index = freeStack[--freeCount];
        inUse[index] = true;
        return index;
    }

    /** Returns a buffer to the top of the free stack. */
    public void release(int index) {
        if (!inUse[index]) {
            throw new IllegalStateException("DMA buffer " + index + " released twice (or never acquired)");
        }
        inUse[index] = false;
        freeStack[freeCount++] = index;
    }

    /** The buffer's memory (a slice made once, at construction). */
    public MemorySegment buffer(int index) {
        return buffers[index];
    }

    /** Virtual address of the buffer's first byte. */
    public long address(int index) {
        return addresses[index];
    }

    public int bufferSize() {
        return bufferSize;
    }

    public int bufferCount() {
        return buffers.length;
    }

    public int buffersInUse() {
        return buffers.length - freeCount;
    }

    /** Pipeline working set contribution: buffers not free times buffer size. */
    public long bytesInUse() {
        return (long) buffersInUse() * bufferSize;
    }

    /** The whole region, for {@code QueueTransport.registerMemory}. */
    public MemorySegment region() {
        return region;
    }

    /** Frees the region; every buffer becomes unusable. */
    @Override
    public void close() {
        arena.close();
    }
}
