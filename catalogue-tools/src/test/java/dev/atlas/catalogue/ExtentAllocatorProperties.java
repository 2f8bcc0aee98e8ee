package dev.atlas.catalogue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class ExtentAllocatorProperties {

    /** Allocations never overlap, stay inside the device, and the free count is exact. */
    @Property(tries = 300)
    void allocationsAreDisjointAndAccounted(
            @ForAll @IntRange(min = 16, max = 5000) int deviceBlocks,
            @ForAll @Size(max = 60) List<@IntRange(min = 0, max = 400) Integer> requests,
            @ForAll @Size(max = 20) List<@IntRange(min = 0, max = 4999) Integer> reserved) {
        final ExtentAllocator a = new ExtentAllocator(2, deviceBlocks);
        final BitSet used = new BitSet();
        used.set(0, 2);
        for (int start : reserved) {
            final boolean free = start >= 2
                    && start + 3 <= deviceBlocks
                    && used.get(start, start + 3).isEmpty();
            assertEquals(free, a.reserve(start, 3), "reserve " + start);
            if (free) {
                used.set(start, start + 3);
            }
        }
        for (int blocks : requests) {
            final long largest = a.largestFreeExtent();
            final long lba = a.allocate(blocks);
            if (blocks == 0) {
                continue;
            }
            if (lba < 0) {
                assertTrue(largest < blocks, "refused although a hole of " + largest + " exists");
                continue;
            }
            assertTrue(lba >= 2 && lba + blocks <= deviceBlocks);
            assertTrue(used.get((int) lba, (int) lba + blocks).isEmpty(), "overlap at " + lba);
            used.set((int) lba, (int) lba + blocks);
        }
        assertEquals(deviceBlocks - used.cardinality(), a.freeBlocks());
    }

    /**
     * Withholding takes exactly the free part of a range, whatever of it is used already or lies
     * outside the device, and nothing else.
     */
    @Property(tries = 300)
    void withholdingTakesExactlyTheFreePartOfARange(
            @ForAll @IntRange(min = 16, max = 2000) int deviceBlocks,
            @ForAll @Size(max = 20) List<@IntRange(min = 0, max = 1999) Integer> reserved,
            @ForAll @IntRange(min = -50, max = 2100) int lba,
            @ForAll @IntRange(min = -5, max = 600) int blocks) {
        final ExtentAllocator a = new ExtentAllocator(2, deviceBlocks);
        final BitSet used = new BitSet();
        used.set(0, 2);
        for (int start : reserved) {
            if (a.reserve(start, 7)) {
                used.set(start, start + 7);
            }
        }
        final int from = Math.max(lba, 0);
        final int to = Math.min(lba + Math.max(blocks, 0), deviceBlocks);
        final BitSet after = (BitSet) used.clone();
        long expected = 0;
        if (from < to) {
            after.set(from, to);
            expected = after.cardinality() - used.cardinality();
        }
        assertEquals(expected, a.withhold(lba, blocks));
        assertEquals(deviceBlocks - after.cardinality(), a.freeBlocks());
        for (int b = 0; b < deviceBlocks; b++) {
            assertEquals(!after.get(b), a.reserve(b, 1), "block " + b);
        }
    }

    @Test
    void bestFitPrefersTheSmallestHoleThatFits() {
        final ExtentAllocator a = new ExtentAllocator(0, 100);
        assertTrue(a.reserve(10, 5)); // holes: [0,10) [15,100)
        assertTrue(a.reserve(20, 80)); // holes: [0,10) [15,20)
        assertEquals(15, a.allocate(5));
        assertEquals(0, a.allocate(4));
        assertEquals(-1, a.allocate(7));
        assertFalse(a.reserve(3, 2));
        assertEquals(6, a.freeBlocks());
    }
}
