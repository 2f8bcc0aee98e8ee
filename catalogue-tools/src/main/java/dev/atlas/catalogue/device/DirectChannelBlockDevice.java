package dev.atlas.catalogue.device;

import dev.atlas.catalogue.CatalogueException;
import dev.atlas.catalogue.CatalogueLayout;
import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Interim device over a {@link FileChannel} opened with O_DIRECT, used until diskmap-java's
 * {@code NvmeDevice} exists; no page cache either way.
 */
public final class DirectChannelBlockDevice implements BlockDevice {

    private final Path path;
    private final FileChannel channel;
    private final long blockCount;
    private final Arena arena = Arena.ofShared();

    private DirectChannelBlockDevice(Path path, FileChannel channel, long blockCount) {
        this.path = path;
        this.channel = channel;
        this.blockCount = blockCount;
    }

    public static DirectChannelBlockDevice open(Path path) {
        try {
            final FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    ExtendedOpenOption.DIRECT);
            final long size = channel.size();
            return new DirectChannelBlockDevice(path, channel, size / CatalogueLayout.BLOCK_SIZE);
        } catch (NoSuchFileException e) {
            throw new CatalogueException("device " + path + " does not exist; create the image file"
                    + " (e.g. `atlas-catalogue format --size 1G -d " + path + "`) or fix the path");
        } catch (IOException | UnsupportedOperationException e) {
            throw new CatalogueException("cannot open " + path + " for direct I/O (" + e.getMessage()
                    + "); use an image on a disk file system or a block device");
        }
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
        final long rounded = (bytes + CatalogueLayout.BLOCK_SIZE - 1) / CatalogueLayout.BLOCK_SIZE * CatalogueLayout.BLOCK_SIZE;
        return arena.allocate(Math.max(rounded, CatalogueLayout.BLOCK_SIZE), CatalogueLayout.BLOCK_SIZE);
    }

    @Override
    public void read(long lba, MemorySegment buffer) {
        check(lba, buffer, "read");
        final ByteBuffer bb = buffer.asByteBuffer();
        long position = lba * CatalogueLayout.BLOCK_SIZE;
        try {
            while (bb.hasRemaining()) {
                final int n = channel.read(bb, position);
                if (n < 0) {
                    throw new CatalogueException("unexpected end of " + path + " at byte " + position);
                }
                position += n;
            }
        } catch (IOException e) {
            throw ioFailure("read", lba, buffer, e);
        }
    }

    @Override
    public void write(long lba, MemorySegment buffer) {
        check(lba, buffer, "write");
        final ByteBuffer bb = buffer.asByteBuffer();
        long position = lba * CatalogueLayout.BLOCK_SIZE;
        try {
            while (bb.hasRemaining()) {
                position += channel.write(bb, position);
            }
        } catch (IOException e) {
            throw ioFailure("write", lba, buffer, e);
        }
    }

    @Override
    public void flush() {
        try {
            channel.force(false);
        } catch (IOException e) {
            throw new CatalogueException("flush of " + path + " failed: " + e.getMessage());
        }
    }

    private void check(long lba, MemorySegment buffer, String what) {
        final long blocks = buffer.byteSize() / CatalogueLayout.BLOCK_SIZE;
        if (buffer.byteSize() % CatalogueLayout.BLOCK_SIZE != 0 || lba < 0 || lba > blockCount - blocks) {
            throw new IllegalArgumentException(what + " of " + buffer.byteSize() + " bytes at LBA " + lba
                    + " does not fit " + path + " (" + blockCount + " blocks)");
        }
    }

    private CatalogueException ioFailure(String what, long lba, MemorySegment buffer, IOException e) {
        return new CatalogueException(what + " of " + buffer.byteSize() / CatalogueLayout.BLOCK_SIZE
                + " blocks at LBA " + lba + " on " + path + " failed: " + e.getMessage());
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new CatalogueException("closing " + path + " failed: " + e.getMessage());
        } finally {
            arena.close();
        }
    }
}
