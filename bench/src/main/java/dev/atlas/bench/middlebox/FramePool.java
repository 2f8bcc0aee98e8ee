package dev.atlas.bench.middlebox;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A fixed pool of equal frame buffers with a LIFO free list (the warmest buffer is reused first). */
final class FramePool {
    private final MemorySegment[] frames;
    private final int[] lengths;
    private final int[] free;
    private final int frameSize;
    private int freeCount;

    FramePool(Arena arena, int count, int frameSize) {
        this.frameSize = frameSize;
        this.frames = new MemorySegment[count];
        this.lengths = new int[count];
        this.free = new int[count];
        MemorySegment all = arena.allocate((long) count * frameSize, 64);
        for (int i = 0; i < count; i++) {
            frames[i] = all.asSlice((long) i * frameSize, frameSize);
            free[i] = count - 1 - i;
        }
        this.freeCount = count;
    }

    int frameSize() {
        return frameSize;
    }

    int capacity() {
        return frames.length;
    }

    int inUse() {
        return frames.length - freeCount;
    }

    /** A free buffer index, or -1 when every buffer holds a frame. */
    int take() {
        return freeCount == 0 ? -1 : free[--freeCount];
    }

    void release(int index) {
        free[freeCount++] = index;
    }

    MemorySegment frame(int index) {
        return frames[index];
    }

    int length(int index) {
        return lengths[index];
    }

    void length(int index, int length) {
        lengths[index] = length;
    }
}
