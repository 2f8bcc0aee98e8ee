package dev.atlas.catalogue.device;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * One device of a catalogue set as the format code sees it: an array of 4 KiB blocks that is
 * read and written through DMA-capable buffers, with an explicit flush that makes every
 * completed write durable. Calls block until their I/O is done, except {@link #startWrite},
 * which lets a bulk copy prepare its next buffer while earlier ones are being written.
 * Implementations never use the page cache.
 *
 * <p>Failures are {@link dev.atlas.catalogue.error.CatalogueException}s naming the device and the LBA.
 */
public interface BlockDevice extends AutoCloseable {

    /** The path the operator named (image file or block device). */
    Path path();

    /** The catalogue block: the unit of LBAs, extents and I/O alignment on every device. */
    int BLOCK_SIZE = 4096;

    /** Catalogue block size in bytes: always {@link #BLOCK_SIZE}. */
    int blockSize();

    /** Number of whole catalogue blocks on the device. */
    long blockCount();

    /**
     * A buffer this device can transfer to and from: 4 KiB aligned, {@code bytes} rounded up to
     * whole blocks, valid until {@link #close()}.
     */
    MemorySegment allocateBuffer(long bytes);

    /** Reads {@code buffer.byteSize() / blockSize()} blocks starting at {@code lba} into {@code buffer}. */
    void read(long lba, MemorySegment buffer);

    /** Writes {@code buffer} (whole blocks) at {@code lba}; durable only after {@link #flush()}. */
    void write(long lba, MemorySegment buffer);

    /** The ticket of a write that had completed when {@link #startWrite} returned. */
    long NO_TICKET = -1;

    /**
     * Starts writing {@code buffer} (whole blocks) at {@code lba} and may return before the write
     * completes. {@code buffer} must stay unchanged until {@link #awaitWrite} with the returned
     * ticket, or {@link #awaitWrites}, has returned. The default writes synchronously.
     *
     * @return the ticket to wait for, or {@link #NO_TICKET}
     */
    default long startWrite(long lba, MemorySegment buffer) {
        write(lba, buffer);
        return NO_TICKET;
    }

    /**
     * Waits until the write with {@code ticket} has completed.
     *
     * @throws dev.atlas.catalogue.error.CatalogueException if a started write failed (each failure is
     *         reported once)
     */
    default void awaitWrite(long ticket) {}

    /** Waits until every started write has completed; throws as {@link #awaitWrite} does. */
    default void awaitWrites() {}

    /** Waits for started writes, then makes every completed write durable (NVMe FLUSH / fdatasync). */
    void flush();

    @Override
    void close();
}
