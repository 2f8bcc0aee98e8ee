package dev.atlas.catalogue.device;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * One device of a catalogue set as the format code sees it: an array of 4 KiB blocks that is
 * read and written synchronously through DMA-capable buffers, with an explicit flush that
 * makes every completed write durable. Implementations never use the page cache.
 *
 * <p>Failures are {@link dev.atlas.catalogue.CatalogueException}s naming the device and the LBA.
 */
public interface BlockDevice extends AutoCloseable {

    /** The path the operator named (image file or block device). */
    Path path();

    /** Catalogue block size in bytes: always {@link dev.atlas.catalogue.CatalogueLayout#BLOCK_SIZE}. */
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

    /** Makes every write that has completed so far durable (NVMe FLUSH / fdatasync). */
    void flush();

    @Override
    void close();
}
