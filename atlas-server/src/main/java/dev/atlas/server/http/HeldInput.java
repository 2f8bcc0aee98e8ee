package dev.atlas.server.http;

import dev.atlas.server.tcp.ReservedMemory;
import java.lang.foreign.MemorySegment;

/**
 * Request bytes a lane's connections took but cannot parse yet, because their responses have
 * no room to be queued (a client pipelining far ahead). A connection holds at most
 * {@link #blockBytes()} of them, in a block from a pool shared by the lane: a connection needs
 * one only while it is ahead, so the pool is sized for a fraction of the connections (as a
 * kernel's receive buffers are committed, not reserved). With no block free nothing is held, the
 * bytes are refused and the client sends them again. Preallocated; blocks are reused LIFO;
 * indexed by request slot; lane thread only.
 */
final class HeldInput {
    private final MemorySegment slab;
    private final int blockBytes;
    private final int[] freeBlocks;
    private int freeCount;
    /** Per request slot: its block, or {@link #NONE}, and the held bytes' span in it. */
    private final int[] block;

    private final int[] start;
    private final int[] end;

    private static final int NONE = -1;

    /**
     * @param slots      request slots (connections) that may hold input
     * @param blocks     blocks in the pool (at most {@code slots} are ever used)
     * @param blockBytes bytes one connection may hold
     */
    HeldInput(int slots, int blocks, int blockBytes) {
        final int count = Math.max(1, Math.min(slots, blocks));
        this.blockBytes = blockBytes;
        this.slab = ReservedMemory.reserve((long) count * blockBytes); // blocks become resident as they are first used
        this.freeBlocks = new int[count];
        for (int i = 0; i < count; i++) {
            freeBlocks[i] = count - 1 - i;
        }
        this.freeCount = count;
        this.block = new int[slots];
        this.start = new int[slots];
        this.end = new int[slots];
        java.util.Arrays.fill(block, NONE);
    }

    int blockBytes() {
        return blockBytes;
    }

    int held(int slot) {
        return end[slot] - start[slot];
    }

    boolean isEmpty(int slot) {
        return end[slot] == start[slot];
    }

    /** Bytes slot {@code slot} may still take: what its block (taken or to be taken) has free. */
    int room(int slot) {
        return blockBytes - held(slot);
    }

    /** Blocks not in use. */
    int freeBlocks() {
        return freeCount;
    }

    /** Holds up to {@code length} bytes behind those already held; returns how many (0 when no block is free). */
    int append(int slot, MemorySegment data, long offset, int length) {
        final int n = Math.min(length, room(slot));
        if (n <= 0) {
            return 0;
        }
        if (block[slot] == NONE) {
            if (freeCount == 0) {
                return 0;
            }
            block[slot] = freeBlocks[--freeCount];
            start[slot] = 0;
            end[slot] = 0;
        }
        final long base = (long) block[slot] * blockBytes;
        if (end[slot] + n > blockBytes) {
            // Move what is held to the front: it fits with the new bytes (n <= room).
            MemorySegment.copy(slab, base + start[slot], slab, base, held(slot));
            end[slot] -= start[slot];
            start[slot] = 0;
        }
        MemorySegment.copy(data, offset, slab, base + end[slot], n);
        end[slot] += n;
        return n;
    }

    /** The segment the held bytes of {@code slot} are in, from {@link #readOffset}, {@link #held} of them. */
    MemorySegment segment() {
        return slab;
    }

    long readOffset(int slot) {
        return (long) block[slot] * blockBytes + start[slot];
    }

    /** Forgets the first {@code n} held bytes (parsed); an emptied block goes back to the pool. */
    void consume(int slot, int n) {
        start[slot] += n;
        if (start[slot] >= end[slot]) {
            release(slot);
        }
    }

    /** Drops whatever {@code slot} holds and gives its block back. */
    void release(int slot) {
        if (block[slot] != NONE) {
            freeBlocks[freeCount++] = block[slot];
            block[slot] = NONE;
        }
        start[slot] = 0;
        end[slot] = 0;
    }
}
