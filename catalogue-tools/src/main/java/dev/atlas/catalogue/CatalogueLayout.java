package dev.atlas.catalogue;

import dev.atlas.catalogue.device.BlockDevice;
import dev.atlas.catalogue.format.IndexDescriptor;

/** Sizes and limits of the catalogue as a whole (the per-structure offsets live in {@code format}). */
public final class CatalogueLayout {

    /** Catalogue block: the unit of LBAs, extents and I/O alignment. */
    public static final int BLOCK_SIZE = BlockDevice.BLOCK_SIZE;
    /** Two superblocks, an index block and room for at least a few files. */
    public static final long MIN_DEVICE_BLOCKS = 16;

    public static final int INDEX_HEADER_BYTES = IndexDescriptor.HEADER_LENGTH;
    /** Upper bound on the index (about a million entries), so a damaged length cannot exhaust memory. */
    public static final long MAX_INDEX_BYTES = 1L << 30;
    /** Bytes per device transfer in bulk copies: big enough for sequential speed, small for the LLC. */
    public static final int TRANSFER_BYTES = 1 << 20;
    /**
     * Transfer buffers an import cycles through per device: while earlier chunks are being written
     * to the device and hashed, the next is read from the source, so the three overlap.
     */
    public static final int IMPORT_BUFFERS = 4;

    private CatalogueLayout() {}
}
