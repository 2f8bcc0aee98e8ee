package dev.atlas.server.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The held input of pipelining clients: bounded per connection, a shared pool, bytes kept in order. */
class HeldInputTest {
    private static final int BLOCK = 64;

    @Test
    void bytesComeBackInOrderThroughAppendsConsumesAndCompaction() {
        final HeldInput held = new HeldInput(2, 2, BLOCK);
        final SplittableRandom random = new SplittableRandom(7);
        final ArrayDeque<Byte> expected = new ArrayDeque<>();
        final MemorySegment source = Arena.ofAuto().allocate(BLOCK);
        int next = 0;
        for (int round = 0; round < 20_000; round++) {
            if (random.nextBoolean()) {
                final int length = random.nextInt(BLOCK + 1);
                for (int i = 0; i < length; i++) {
                    source.set(ValueLayout.JAVA_BYTE, i, (byte) (next + i));
                }
                final int kept = held.append(0, source, 0, length);
                assertEquals(Math.min(length, BLOCK - expected.size()), kept, "takes what fits its budget, no more");
                for (int i = 0; i < kept; i++) {
                    expected.add((byte) (next + i));
                }
                next += kept;
            } else if (!held.isEmpty(0)) {
                final int n = 1 + random.nextInt(held.held(0));
                for (int i = 0; i < n; i++) {
                    assertEquals(
                            (byte) expected.poll(), held.segment().get(ValueLayout.JAVA_BYTE, held.readOffset(0) + i));
                }
                held.consume(0, n);
            }
            assertEquals(expected.size(), held.held(0));
            assertEquals(BLOCK - expected.size(), held.room(0));
        }
    }

    @Test
    void aConnectionHoldsABlockOnlyWhileItHoldsBytesAndAnEmptyPoolRefuses() {
        final HeldInput held = new HeldInput(3, 2, BLOCK);
        final MemorySegment bytes = MemorySegment.ofArray(new byte[] {1, 2, 3});
        assertEquals(3, held.append(0, bytes, 0, 3));
        assertEquals(3, held.append(1, bytes, 0, 3));
        assertEquals(0, held.freeBlocks());
        assertEquals(0, held.append(2, bytes, 0, 3), "no block free: nothing held, the client sends it again");
        held.consume(0, 3);
        assertEquals(1, held.freeBlocks(), "an emptied connection gives its block back");
        assertEquals(3, held.append(2, bytes, 0, 3));
        held.release(1);
        held.release(2);
        assertEquals(2, held.freeBlocks());
        assertTrue(held.isEmpty(1) && held.isEmpty(2));
        final byte[] copy = new byte[3];
        assertEquals(3, held.append(0, bytes, 0, 3));
        MemorySegment.copy(held.segment(), ValueLayout.JAVA_BYTE, held.readOffset(0), copy, 0, 3);
        assertArrayEquals(new byte[] {1, 2, 3}, copy);
    }
}
