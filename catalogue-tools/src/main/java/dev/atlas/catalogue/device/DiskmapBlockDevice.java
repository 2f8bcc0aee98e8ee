package dev.atlas.catalogue.device;

import dev.atlas.catalogue.CatalogueException;
import dev.atlas.catalogue.CatalogueLayout;
import dev.atlas.diskmap.DiskmapException;
import dev.atlas.diskmap.NvmeDevice;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * A catalogue device over a diskmap-java {@link NvmeDevice}: catalogue blocks of 4 KiB map to
 * {@code 4096 / logical block size} NVMe blocks; buffers come from pools registered with the
 * device's transport; every call is one blocking {@code *Sync} request (tools, not lanes).
 */
public final class DiskmapBlockDevice implements BlockDevice {

    /** The transport the tools use unless told otherwise: io_uring, O_DIRECT. */
    public static final String DEFAULT_TRANSPORT = "file";

    private final Path path;
    private final NvmeDevice device;
    private final int deviceBlocksPerBlock;
    private final long blockCount;

    private DiskmapBlockDevice(Path path, NvmeDevice device) {
        this.path = path;
        this.device = device;
        final int deviceBlockSize = device.geometry().blockSize();
        if (deviceBlockSize > CatalogueLayout.BLOCK_SIZE) {
            device.close();
            throw new CatalogueException(path + " has " + deviceBlockSize + "-byte blocks; the catalogue needs"
                    + " blocks of at most " + CatalogueLayout.BLOCK_SIZE + " bytes (reformat the namespace with 4 KiB"
                    + " or 512-byte LBAs)");
        }
        this.deviceBlocksPerBlock = CatalogueLayout.BLOCK_SIZE / deviceBlockSize;
        this.blockCount = device.geometry().blockCount() / deviceBlocksPerBlock;
    }

    /** Opens an image file or block device through the default ({@code file}) transport. */
    public static DiskmapBlockDevice open(Path path) {
        return open(path, DEFAULT_TRANSPORT, NvmeDevice.Options.defaults());
    }

    /** Opens {@code path} through a named transport ({@code file}, {@code emulated}, {@code passthru}). */
    public static DiskmapBlockDevice open(Path path, String transport, NvmeDevice.Options options) {
        try {
            return new DiskmapBlockDevice(path, NvmeDevice.open(path, transport, options));
        } catch (DiskmapException e) {
            throw new CatalogueException(e.getMessage(), e);
        }
    }

    /** The diskmap device underneath, for callers that need its queue (benchmarks). */
    public NvmeDevice nvmeDevice() {
        return device;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public int blockSize() {
        return CatalogueLayout.BLOCK_SIZE;
    }

    @Override
    public long blockCount() {
        return blockCount;
    }

    @Override
    public MemorySegment allocateBuffer(long bytes) {
        final long rounded = Math.max(CatalogueLayout.BLOCK_SIZE,
                (bytes + CatalogueLayout.BLOCK_SIZE - 1) / CatalogueLayout.BLOCK_SIZE * CatalogueLayout.BLOCK_SIZE);
        if (rounded > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("buffer of " + bytes + " bytes is too large");
        }
        try {
            return device.allocateBuffers(1, (int) rounded).buffer(0);
        } catch (DiskmapException e) {
            throw new CatalogueException(e.getMessage(), e);
        }
    }

    @Override
    public void read(long lba, MemorySegment buffer) {
        final int blocks = blocksOf(lba, buffer, "read");
        try {
            device.readSync(lba * deviceBlocksPerBlock, blocks * deviceBlocksPerBlock, buffer);
        } catch (DiskmapException e) {
            throw new CatalogueException(e.getMessage(), e);
        }
    }

    @Override
    public void write(long lba, MemorySegment buffer) {
        final int blocks = blocksOf(lba, buffer, "write");
        try {
            device.writeSync(lba * deviceBlocksPerBlock, blocks * deviceBlocksPerBlock, buffer);
        } catch (DiskmapException e) {
            throw new CatalogueException(e.getMessage(), e);
        }
    }

    @Override
    public void flush() {
        try {
            device.flushSync();
        } catch (DiskmapException e) {
            throw new CatalogueException(e.getMessage(), e);
        }
    }

    private int blocksOf(long lba, MemorySegment buffer, String what) {
        final long blocks = buffer.byteSize() / CatalogueLayout.BLOCK_SIZE;
        if (buffer.byteSize() % CatalogueLayout.BLOCK_SIZE != 0 || blocks == 0 || lba < 0
                || lba > blockCount - blocks || blocks * deviceBlocksPerBlock > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " of " + buffer.byteSize() + " bytes at LBA " + lba
                    + " does not fit " + path + " (" + blockCount + " blocks of " + CatalogueLayout.BLOCK_SIZE + ")");
        }
        return (int) blocks;
    }

    @Override
    public void close() {
        device.close();
    }
}
