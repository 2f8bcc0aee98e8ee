package dev.atlas.catalogue;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file being imported, read with O_DIRECT where its file system allows it, so that importing
 * terabytes does not fill the page cache with bytes that will never be read through it again.
 */
final class SourceFile implements AutoCloseable {

    private final Path path;
    private final FileChannel channel;
    private final boolean direct;

    private SourceFile(Path path, FileChannel channel, boolean direct) {
        this.path = path;
        this.channel = channel;
        this.direct = direct;
    }

    static SourceFile open(Path path) throws IOException {
        try {
            return new SourceFile(
                    path, FileChannel.open(path, StandardOpenOption.READ, ExtendedOpenOption.DIRECT), true);
        } catch (IOException | UnsupportedOperationException e) {
            // tmpfs and some network file systems refuse O_DIRECT; read those normally
            return new SourceFile(path, FileChannel.open(path, StandardOpenOption.READ), false);
        }
    }

    boolean direct() {
        return direct;
    }

    /**
     * Reads up to {@code want} bytes at {@code position} (a multiple of the block size) into the
     * start of {@code buffer}, a block-aligned buffer of at least {@code want} rounded up to blocks.
     *
     * @return bytes read, less than {@code want} only at end of file
     */
    int read(ByteBuffer buffer, long position, int want, int blockSize) throws IOException {
        final int request = direct ? (want + blockSize - 1) / blockSize * blockSize : want;
        buffer.clear().limit(request);
        int got = 0;
        while (got < want) {
            final int n = channel.read(buffer, position + got);
            if (n <= 0) {
                break;
            }
            got += n;
            if (direct && got % blockSize != 0) {
                break; // a short direct read that is not block-aligned is the end of the file
            }
        }
        return Math.min(got, want);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    Path path() {
        return path;
    }
}
