package dev.atlas.bench.diskmap;

import dev.atlas.diskmap.NvmeCallback;
import dev.atlas.diskmap.NvmeDevice;
import dev.atlas.diskmap.NvmeQueuePair;
import dev.atlas.diskmap.buffer.DmaBufferPool;
import dev.atlas.diskmap.nvme.NvmeStatus;
import dev.atlas.diskmap.transport.DiskmapException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Creates a benchmark image of random bytes, written with O_DIRECT through the {@code file}
 * transport (so creating it does not fill the page cache either).
 */
final class ImageMaker implements NvmeCallback {
    private static final int CHUNK_BYTES = 1 << 20;
    private static final int BUFFERS = 16;

    private final int[] free = new int[BUFFERS];
    private int freeCount;
    private int failure;

    static void create(Path image, long sizeBytes, PrintWriter progress) throws IOException {
        long size = sizeBytes / CHUNK_BYTES * CHUNK_BYTES;
        if (size < CHUNK_BYTES) {
            throw new DiskmapException("an image must be at least 1 MiB, not " + sizeBytes + " bytes");
        }
        Path parent = image.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(size);
        }
        boolean done = false;
        try {
            new ImageMaker().write(image, size, progress);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(image);
            }
        }
    }

    private void write(Path image, long size, PrintWriter progress) {
        try (NvmeDevice device =
                NvmeDevice.open(image, "file", NvmeDevice.Options.defaults().withQueueDepth(BUFFERS + 1))) {
            DmaBufferPool pool = device.allocateBuffers(BUFFERS, CHUNK_BYTES);
            for (int i = 0; i < BUFFERS; i++) {
                free[freeCount++] = i;
            }
            int blocks = CHUNK_BYTES / device.geometry().blockSize();
            long chunks = size / CHUNK_BYTES;
            SplittableRandom random = new SplittableRandom(size);
            long next = 0;
            long reported = 0;
            while (next < chunks || freeCount < BUFFERS) {
                while (next < chunks && freeCount > 0) {
                    int buffer = free[--freeCount];
                    MemorySegment data = pool.buffer(buffer);
                    for (long i = 0; i < CHUNK_BYTES / Long.BYTES; i++) {
                        data.setAtIndex(ValueLayout.JAVA_LONG, i, random.nextLong());
                    }
                    if (device.write(next * blocks, blocks, pool.address(buffer), this, buffer)
                            == NvmeQueuePair.QUEUE_FULL) {
                        free[freeCount++] = buffer;
                        break;
                    }
                    next++;
                }
                device.sqsync();
                device.consumeCompletions(BUFFERS);
                device.cqsync();
                if (failure != 0) {
                    throw new DiskmapException("writing " + image + " failed: " + NvmeStatus.describe(failure));
                }
                if (next - reported >= 1024) {
                    reported = next;
                    progress.printf("  %d / %d MiB%n", next, chunks);
                    progress.flush();
                }
            }
            device.flushSync();
        }
    }

    @Override
    public void onComplete(long token, int status) {
        if (!NvmeStatus.isSuccess(status) && failure == 0) {
            failure = status;
        }
        free[freeCount++] = (int) token;
    }
}
