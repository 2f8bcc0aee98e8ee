package dev.atlas.catalogue;

/** Space on one device of an open catalogue, derived from the index. */
public record SpaceUsage(int device, long sizeBytes, long usedBytes, long freeBytes, long largestFreeBytes, int files) {

    public static SpaceUsage[] of(Catalogue catalogue) {
        final CatalogueSnapshot snapshot = catalogue.snapshot();
        final ExtentAllocator[] allocators = snapshot.allocators();
        final int[] files = new int[allocators.length];
        for (CatalogueEntry e : snapshot.entries()) {
            files[e.device()]++;
        }
        final SpaceUsage[] usage = new SpaceUsage[allocators.length];
        final long block = CatalogueLayout.BLOCK_SIZE;
        for (int d = 0; d < allocators.length; d++) {
            final long size = allocators[d].deviceBlocks() * block;
            final long free = allocators[d].freeBlocks() * block;
            usage[d] = new SpaceUsage(d, size, size - free, free, allocators[d].largestFreeExtent() * block, files[d]);
        }
        return usage;
    }
}
