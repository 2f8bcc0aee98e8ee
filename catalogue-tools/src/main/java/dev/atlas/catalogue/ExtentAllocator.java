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

    /** How many separate runs of {@code blocks} blocks the free extents could give (0 for 0 blocks). */
    public long piecesOf(long blocks) {
        if (blocks <= 0) {
            return 0;
        }
        long pieces = 0;
        for (Map.Entry<Long, Long> e : free.entrySet()) {
            pieces += (e.getValue() - e.getKey()) / blocks;
        }
        return pieces;
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
     * Marks whatever part of {@code [lba, lba + blocks)} is still free as used. Unlike
     * {@link #reserve}, blocks already used (or outside the device) are no error: this is for
     * extents of an older generation that a server may still be reading, which mostly coincide
     * with extents the newer generation uses too.
     *
     * @return the number of blocks that were free and are now withheld
     */
    public long withhold(long lba, long blocks) {
        final long start = Math.max(lba, 0);
        final long end = Math.min(lba + Math.max(blocks, 0), deviceBlocks);
        if (start >= end) {
            return 0;
        }
        long withheld = 0;
        Map.Entry<Long, Long> hole = free.floorEntry(start);
        if (hole == null || hole.getValue() <= start) {
            hole = free.higherEntry(start);
        }
        while (hole != null && hole.getKey() < end) {
            final long from = Math.max(hole.getKey(), start);
            final long to = Math.min(hole.getValue(), end);
            reserve(from, to - from);
            withheld += to - from;
            hole = free.higherEntry(from);
        }
        return withheld;
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
