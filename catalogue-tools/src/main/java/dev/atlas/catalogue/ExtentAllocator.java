package dev.atlas.catalogue;

import java.util.Map;
import java.util.TreeMap;

/**
 * Free space of one device as a map of free extents (first block → end block, exclusive),
 * derived from the index rather than stored: every block not used by the superblocks, the
 * committed index or a file is free. Allocation is best fit, which keeps large holes for
 * large files; {@link #reserve} refuses to hand out a block twice.
 */
public final class ExtentAllocator {

    private final long deviceBlocks;
    private final TreeMap<Long, Long> free = new TreeMap<>();
    private long freeBlocks;

    /** All blocks in {@code [firstUsable, deviceBlocks)} start free. */
    public ExtentAllocator(long firstUsable, long deviceBlocks) {
        this.deviceBlocks = deviceBlocks;
        if (deviceBlocks > firstUsable) {
            free.put(firstUsable, deviceBlocks);
            freeBlocks = deviceBlocks - firstUsable;
        }
    }

    public long freeBlocks() {
        return freeBlocks;
    }

    public long deviceBlocks() {
        return deviceBlocks;
    }

    public long largestFreeExtent() {
        long largest = 0;
        for (Map.Entry<Long, Long> e : free.entrySet()) {
            largest = Math.max(largest, e.getValue() - e.getKey());
        }
        return largest;
    }

    public int freeExtentCount() {
        return free.size();
    }

    /**
     * Marks {@code [lba, lba + blocks)} used.
     *
     * @return false if any of those blocks is not free (outside the device, or used already)
     */
    public boolean reserve(long lba, long blocks) {
        if (blocks == 0) {
            return true;
        }
        if (lba < 0 || blocks < 0 || lba > deviceBlocks - blocks) {
            return false;
        }
        final Map.Entry<Long, Long> hole = free.floorEntry(lba);
        if (hole == null || hole.getValue() < lba + blocks) {
            return false;
        }
        final long start = hole.getKey();
        final long end = hole.getValue();
        free.remove(start);
        if (start < lba) {
            free.put(start, lba);
        }
        if (lba + blocks < end) {
            free.put(lba + blocks, end);
        }
        freeBlocks -= blocks;
        return true;
    }

    /**
     * Takes the smallest free extent that holds {@code blocks} blocks, from its start.
     *
     * @return its first LBA, or -1 if no free extent is large enough
     */
    public long allocate(long blocks) {
        if (blocks == 0) {
            return 0;
        }
        long bestStart = -1;
        long bestLength = Long.MAX_VALUE;
        for (Map.Entry<Long, Long> e : free.entrySet()) {
            final long length = e.getValue() - e.getKey();
            if (length >= blocks && length < bestLength) {
                bestStart = e.getKey();
                bestLength = length;
                if (length == blocks) {
                    break;
                }
            }
        }
        if (bestStart >= 0) {
            reserve(bestStart, blocks);
        }
        return bestStart;
    }
}
