package dev.atlas.bench.catalogue;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The files a benchmark imports: one big file, or an HLS-like set of segments whose sizes vary
 * between half and one and a half times the mean, summing exactly to the requested size. They
 * are written with O_DIRECT, so making them leaves nothing in the page cache that a later read
 * could hit.
 */
final class SourceSet {
    /** Alignment of O_DIRECT buffers, offsets and lengths (the catalogue block, and ext4's). */
    static final int ALIGNMENT = 4096;

    private static final int CHUNK_BYTES = 4 << 20;

    /** One source file and the byte offset its copy starts at in a flat image (4 KiB aligned). */
    record Source(Path path, long length, long imageOffset) {}

    private final Path root;
    private final List<Source> sources;

    private SourceSet(Path root, List<Source> sources) {
        this.root = root;
        this.sources = sources;
    }

    /** The directory holding the files (what {@code atlas-catalogue import} is given). */
    Path root() {
        return root;
    }

    List<Source> sources() {
        return sources;
    }

    long totalBytes() {
        long total = 0;
        for (Source s : sources) {
            total += s.length();
        }
        return total;
    }

    /** Bytes the files take in a flat image where each starts on a 4 KiB boundary. */
    long alignedBytes() {
        final Source last = sources.get(sources.size() - 1);
        return last.imageOffset() + align(last.length());
    }

    /**
     * File sizes for {@code files} files summing to {@code total}: {@code total} itself for one
     * file, otherwise weights drawn uniformly from [0.5, 1.5) and scaled, the rounding remainder
     * going to the last file.
     */
    static long[] sizes(long total, int files, long seed) {
        final long[] sizes = new long[files];
        if (files == 1) {
            sizes[0] = total;
            return sizes;
        }
        final SplittableRandom random = new SplittableRandom(seed);
        final double[] weights = new double[files];
        double sum = 0;
        for (int i = 0; i < files; i++) {
            weights[i] = 0.5 + random.nextDouble();
            sum += weights[i];
        }
        long given = 0;
        for (int i = 0; i < files - 1; i++) {
            sizes[i] = Math.max(1, (long) (total * (weights[i] / sum)));
            given += sizes[i];
        }
        sizes[files - 1] = total - given;
        return sizes;
    }

    /** Creates the files under {@code root} (which must not exist yet) with O_DIRECT. */
    static SourceSet create(Path root, long total, int files, long seed) throws IOException {
        Files.createDirectories(root);
        final long[] sizes = sizes(total, files, seed);
        final List<Source> sources = new ArrayList<>(files);
        final SplittableRandom random = new SplittableRandom(seed ^ total);
        long offset = 0;
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment chunk = arena.allocate(CHUNK_BYTES, ALIGNMENT);
            for (int i = 0; i < files; i++) {
                final Path path =
                        files == 1 ? root.resolve("movie.mp4") : root.resolve(String.format("hls/seg_%05d.ts", i));
                Files.createDirectories(path.getParent());
                write(path, sizes[i], chunk, random);
                sources.add(new Source(path, sizes[i], offset));
                offset += align(sizes[i]);
            }
        }
        return new SourceSet(root, List.copyOf(sources));
    }

    /**
     * Writes the whole 4 KiB blocks of the file with O_DIRECT; a shorter tail is left as a hole
     * by growing the file to its length (cutting a block short would read it into the page cache).
     */
    private static void write(Path path, long length, MemorySegment chunk, SplittableRandom random) throws IOException {
        final long whole = length / ALIGNMENT * ALIGNMENT;
        try (FileChannel out = openDirect(path)) {
            final ByteBuffer bytes = chunk.asByteBuffer();
            for (long at = 0; at < whole; at += CHUNK_BYTES) {
                final int n = (int) Math.min(CHUNK_BYTES, whole - at);
                for (long i = 0; i < n / Long.BYTES; i++) {
                    chunk.setAtIndex(ValueLayout.JAVA_LONG, i, random.nextLong());
                }
                bytes.clear().limit(n);
                while (bytes.hasRemaining()) {
                    out.write(bytes, at + bytes.position());
                }
            }
        }
        if (whole < length) {
            try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
                file.setLength(length);
            }
        }
    }

    private static FileChannel openDirect(Path path) throws IOException {
        try {
            return FileChannel.open(
                    path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
        } catch (IOException | UnsupportedOperationException e) {
            throw new IOException(
                    "cannot write " + path + " with O_DIRECT (" + e.getMessage() + "); choose a --dir on"
                            + " a disk file system such as ext4 or xfs",
                    e);
        }
    }

    static long align(long bytes) {
        return (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }
}
