package dev.atlas.server.storage;

import dev.atlas.catalogue.CatalogueLayout;
import dev.atlas.diskmap.buffer.DmaBufferPool;

/**
 * Layout of one DMA chunk buffer: {@code headroom | read area | tailroom}.
 * <ul>
 * <li>The read area starts one page in, so a drive reads into page-aligned memory (O_DIRECT on
 * any sector size) and a zero-copy backend can write virtio-net + Ethernet + IP + TCP headers
 * (and a TLS record header) right in front of the payload.</li>
 * <li>It holds one record ({@link #RECORD_BYTES}, the largest TLS plaintext record) plus one
 * block of slack: a record that starts inside a block still fits once the read is widened to
 * whole blocks.</li>
 * <li>The tailroom keeps a GCM tag (and TLS 1.3's content type) right behind a sealed record.</li>
 * </ul>
 * Chunks are cut at record boundaries of the drive's byte address space, so any byte of any
 * response maps to the same chunk however often it is retransmitted.
 */
public final class ChunkLayout {
    /** Bytes of one record: what one disk read brings in (at most). */
    public static final int RECORD_BYTES = 16 * 1024;
    /** Catalogue block size: reads are widened to whole blocks of it. */
    public static final int BLOCK_BYTES = CatalogueLayout.BLOCK_SIZE;
    /** Room in front of the payload for headers; a page, so the read area is page-aligned. */
    public static final int HEADROOM = DmaBufferPool.PAGE_SIZE;
    /** Where reads land. */
    public static final int READ_OFFSET = HEADROOM;
    /** A record plus a block of alignment slack. */
    public static final int READ_CAPACITY = RECORD_BYTES + BLOCK_BYTES;
    /** Room behind the read area for a GCM tag and TLS 1.3's inner content type, rounded to a page. */
    public static final int TAILROOM = DmaBufferPool.PAGE_SIZE;
    /** Bytes of one chunk buffer (a multiple of the page size, as the pool requires). */
    public static final int BUFFER_BYTES = HEADROOM + READ_CAPACITY + TAILROOM;

    private ChunkLayout() {}

    /** First byte of the record that holds drive byte {@code address}. */
    public static long recordStart(long address) {
        return address - Math.floorMod(address, RECORD_BYTES);
    }

    /** First byte of the catalogue block that holds drive byte {@code address}. */
    public static long blockStart(long address) {
        return address - Math.floorMod(address, BLOCK_BYTES);
    }

    /** Drive byte {@code address} rounded up to a block boundary. */
    public static long blockEnd(long address) {
        return blockStart(address + BLOCK_BYTES - 1);
    }
}
