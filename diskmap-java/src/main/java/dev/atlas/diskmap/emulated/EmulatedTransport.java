package dev.atlas.diskmap.emulated;

import dev.atlas.diskmap.nvme.NvmeCommandDescriptor;
import dev.atlas.diskmap.nvme.NvmeCompletionDescriptor;
import dev.atlas.diskmap.transport.DeviceGeometry;
import dev.atlas.diskmap.transport.QueueLimits;
import dev.atlas.diskmap.transport.QueueTransport;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The {@code emulated} transport: raw NVMe queues in off-heap memory, served by an
 * {@link EmulatedController} whose media is an image file mapped with {@link FileChannel}.
 *
 * <p>Doorbells only record the new tail or head, as device registers do; the controller works
 * when {@link #poll()} steps it, so tests are deterministic. Bus addresses are virtual addresses.
 */
public final class EmulatedTransport implements QueueTransport {
    /** Logical block size of an emulated namespace unless chosen otherwise. */
    public static final int DEFAULT_BLOCK_SIZE = 4096;
    /** MDTS of an emulated controller unless chosen otherwise (a common value for real drives). */
    public static final int DEFAULT_MAX_TRANSFER_BYTES = 128 * 1024;

    private static final int QUEUE_ALIGNMENT = 4096;
    private static final int NAMESPACE_ID = 1;

    private final Path image;
    private final Arena arena;
    private final FileChannel channel;
    private final DeviceGeometry geometry;
    private final int depth;
    private final MemorySegment submissionQueue;
    private final MemorySegment completionQueue;
    private final EmulatedController controller;
    private boolean closed;

    private EmulatedTransport(
            Path image,
            FileChannel channel,
            Arena arena,
            DeviceGeometry geometry,
            int depth,
            MemorySegment media,
            EmulatedFaults faults) {
        this.image = image;
        this.channel = channel;
        this.arena = arena;
        this.geometry = geometry;
        this.depth = depth;
        this.submissionQueue = arena.allocate((long) depth * NvmeCommandDescriptor.LENGTH, QUEUE_ALIGNMENT);
        this.completionQueue = arena.allocate((long) depth * NvmeCompletionDescriptor.LENGTH, QUEUE_ALIGNMENT);
        this.controller = new EmulatedController(submissionQueue, completionQueue, depth, geometry, media, faults);
    }

    /** Opens {@code image} with 4 KiB blocks, a 128 KiB transfer limit and no faults. */
    public static EmulatedTransport open(Path image, int queueDepth) throws IOException {
        return open(image, queueDepth, DEFAULT_BLOCK_SIZE, DEFAULT_MAX_TRANSFER_BYTES, EmulatedFaults.none());
    }

    /**
     * Opens an emulated controller over an existing image file whose size is a whole number of
     * blocks.
     *
     * @throws IOException with an operator sentence when the image is missing or the wrong size
     */
    public static EmulatedTransport open(
            Path image, int queueDepth, int blockSize, int maxTransferBytes, EmulatedFaults faults) throws IOException {
        if (queueDepth < QueueLimits.MIN_QUEUE_DEPTH || queueDepth > QueueLimits.MAX_QUEUE_DEPTH) {
            throw new IllegalArgumentException("NVMe queue depth must be " + QueueLimits.MIN_QUEUE_DEPTH + ".."
                    + QueueLimits.MAX_QUEUE_DEPTH + ", not " + queueDepth);
        }
        if (Files.exists(image) && !Files.isRegularFile(image)) {
            throw new IOException(image + " is not a regular file; the emulated transport serves image files"
                    + " (use the file or passthru transport for block and NVMe devices)");
        }
        if (!Files.isRegularFile(image)) {
            throw new IOException("image file " + image + " does not exist; create it (e.g. `truncate -s 1G " + image
                    + "`) or format a catalogue on it first");
        }
        final long size = Files.size(image);
        if (size == 0 || size % blockSize != 0) {
            throw new IOException("image file " + image + " is " + size + " bytes, not a positive multiple of the "
                    + blockSize + "-byte block size; resize it (truncate -s) to whole blocks");
        }
        final DeviceGeometry geometry = new DeviceGeometry(blockSize, size / blockSize, maxTransferBytes, NAMESPACE_ID);
        final FileChannel channel = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE);
        final Arena arena = Arena.ofShared();
        try {
            final MemorySegment media = channel.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
            return new EmulatedTransport(image, channel, arena, geometry, queueDepth, media, faults);
        } catch (IOException | RuntimeException e) {
            arena.close();
            channel.close();
            throw e;
        }
    }

    /** The controller behind the queues, for tests that inspect or step it. */
    public EmulatedController controller() {
        return controller;
    }

    public Path image() {
        return image;
    }

    @Override
    public DeviceGeometry geometry() {
        return geometry;
    }

    @Override
    public int queueDepth() {
        return depth;
    }

    @Override
    public MemorySegment submissionQueue() {
        return submissionQueue;
    }

    @Override
    public MemorySegment completionQueue() {
        return completionQueue;
    }

    @Override
    public void ringSubmissionDoorbell(int newTail) {
        controller.submissionDoorbell(newTail);
    }

    @Override
    public void ringCompletionDoorbell(int newHead) {
        controller.completionDoorbell(newHead);
    }

    @Override
    public int poll() {
        return controller.poll();
    }

    @Override
    public long busAddress(long address) {
        return address;
    }

    @Override
    public void registerMemory(MemorySegment region) {
        controller.registerMemory(region);
    }

    @Override
    public String name() {
        return "emulated";
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        arena.close();
        try {
            channel.close();
        } catch (IOException e) {
            // Nothing is lost: the mapping was the only writer and is already unmapped.
        }
    }
}
