package dev.atlas.server.storage;

import dev.atlas.catalogue.CatalogueLayout;
import dev.atlas.diskmap.buffer.DmaBufferPool;

/**
 * Layout of one DMA chunk buffer: {@code headroom | read area | tailroom}.
 * <ul>
 * <li>The read area starts one page in, so a drive reads into page-aligned memory (O_DIRECT on
 * any sector size) and a zero-copy backend can write virtio-net + Ethernet + IP + TCP headers
 * (and a TLS record header) right in front of the payload.</li>
 * <li>It holds up to {@link #MAX_RECORDS_PER_READ} consecutive records ({@link #RECORD_BYTES}
 * each, the largest TLS plaintext record): one drive command reads as many as the connection's
 * window reaches into, since the drive gives far more bytes per second to larger reads. Records
 * are whole blocks on the drive's grid, so widening a chunk's first and last bytes to whole
 * blocks never reaches outside its records: no slack is needed.</li>
 * <li>The tailroom keeps a GCM tag (and TLS 1.3's content type) right behind a sealed record.</li>
 * </ul>
 * Chunks begin and end at record boundaries of the drive's byte address space (or where an
 * extent begins or ends), so a TLS record never spans two chunks.
 */
public final class ChunkLayout {
    /** Bytes of one record: the grid chunks are cut on. */
    public static final int RECORD_BYTES = 16 * 1024;
    /**
     * Most records one drive command reads into one chunk. The virtio disk here gives 527 MB/s to
     * 16 KiB random reads and 941 MB/s to 128 KiB ones at the same depth; 64 KiB gets most of
     * that while a chunk stays small against the last-level cache.
     */
    public static final int MAX_RECORDS_PER_READ = 4;
    /** Catalogue block size: reads are widened to whole blocks of it. */
    public static final int BLOCK_BYTES = CatalogueLayout.BLOCK_SIZE;
    /** Room in front of the payload for headers; a page, so the read area is page-aligned. */
    public static final int HEADROOM = DmaBufferPool.PAGE_SIZE;
    /** Where reads land. */
    public static final int READ_OFFSET = HEADROOM;
    /** The most records one read brings in. */
    public static final int READ_CAPACITY = MAX_RECORDS_PER_READ * RECORD_BYTES;
    /** Room behind the read area for a GCM tag and TLS 1.3's inner content type, rounded to a page. */
    public static final int TAILROOM = DmaBufferPool.PAGE_SIZE;
    /** Bytes of one chunk buffer (a multiple of the page size, as the pool requires). */
    public static final int BUFFER_BYTES = HEADROOM + READ_CAPACITY + TAILROOM;

    private ChunkLayout() {}

    /** First byte of the record that holds drive byte {@code address}. */
    public static long recordStart(long address) {
        return address - Math.floorMod(address, RECORD_BYTES);
    }

    /** Drive byte {@code address} rounded up to a record boundary. */
    public static long recordCeiling(long address) {
        return recordStart(address + RECORD_BYTES - 1);
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
