package dev.atlas.diskmap.kernel;

import dev.atlas.diskmap.nvme.NvmeCommandDescriptor;
import dev.atlas.diskmap.nvme.NvmeCompletionDescriptor;
import dev.atlas.diskmap.transport.DeviceGeometry;
import dev.atlas.diskmap.transport.DiskmapException;
import dev.atlas.diskmap.transport.QueueLimits;
import dev.atlas.diskmap.transport.QueueTransport;
import dev.atlas.diskmap.uring.LibC;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The {@code diskmap} transport: a real NVMe I/O queue pair lent to this process by
 * {@code diskmap.ko} through {@code /dev/diskmapN}.
 *
 * <p>The queue pair writes commands into the module's submission ring (mapped read-write) and
 * reads the controller's own completion queue (mapped read-only), exactly as it does with the
 * {@code emulated} controller's memory. Buffers are registered with the module, which pins
 * them and tells each page's bus address; PRPs carry those. The submission doorbell is an
 * ioctl that checks every new entry before the hardware sees it.
 *
 * <p>The completion doorbell rides on the next submission doorbell instead of costing its own
 * system call. That never starves the device: a command slot freed by consuming a completion is
 * reused only by a later submission, and that submission's doorbell carries the new CQ head,
 * so the device never holds more unacknowledged completions than there are command slots.
 */
public final class DiskmapTransport implements QueueTransport {
    private static final int MAX_REGIONS = 64;

    private final Path device;
    private final Arena arena;
    private final MemorySegment callState;
    private final MemorySegment doorbell;
    private final int fd;
    private final int queueId;
    private final int depth;
    private final DeviceGeometry geometry;
    private final MemorySegment submissionQueue;
    private final MemorySegment completionQueue;

    private final long[] regionStart = new long[MAX_REGIONS];
    private final long[] regionEnd = new long[MAX_REGIONS];
    private final long[][] regionBusPages = new long[MAX_REGIONS][];
    private int regionCount;

    private int sqTailRung;
    private int cqHead;
    private boolean closed;

    private DiskmapTransport(
            Path device,
            Arena arena,
            MemorySegment callState,
            int fd,
            int queueId,
            int depth,
            DeviceGeometry geometry,
            MemorySegment submissionQueue,
            MemorySegment completionQueue) {
        this.device = device;
        this.arena = arena;
        this.callState = callState;
        this.fd = fd;
        this.queueId = queueId;
        this.depth = depth;
        this.geometry = geometry;
        this.submissionQueue = submissionQueue;
        this.completionQueue = completionQueue;
        this.doorbell = arena.allocate(DiskmapAbi.DOORBELL);
    }

    /** Attaches any free queue pair of {@code device} (e.g. {@code /dev/diskmap0}). */
    public static DiskmapTransport open(Path device, int queueDepth) {
        return open(device, queueDepth, 0);
    }

    /**
     * Attaches queue pair {@code queueId} of {@code device}, or any free one when it is 0.
     *
     * @throws DiskmapException with an operator sentence when the device is missing, busy or refuses
     */
    public static DiskmapTransport open(Path device, int queueDepth, int queueId) {
        if (queueDepth < QueueLimits.MIN_QUEUE_DEPTH || queueDepth > QueueLimits.MAX_QUEUE_DEPTH) {
            throw new IllegalArgumentException("NVMe queue depth must be " + QueueLimits.MIN_QUEUE_DEPTH + ".."
                    + QueueLimits.MAX_QUEUE_DEPTH + ", not " + queueDepth);
        }
        if (!Files.exists(device)) {
            throw new DiskmapException(device + " does not exist: load diskmap.ko and bind an NVMe controller to it"
                    + " (echo diskmap > /sys/bus/pci/devices/<address>/driver_override, unbind it from nvme,"
                    + " then echo <address> > /sys/bus/pci/drivers_probe)");
        }
        final Arena arena = Arena.ofShared();
        final MemorySegment callState = LibC.newCallState(arena);
        final int fd = LibC.open(callState, arena.allocateFrom(device.toString()), LibC.O_RDWR | LibC.O_CLOEXEC);
        if (fd < 0) {
            final int errno = LibC.errno(callState);
            arena.close();
            throw new DiskmapException("cannot open " + device + ": " + LibC.strerror(errno)
                    + (errno == 13 ? " (the diskmap device is root's only)" : ""));
        }
        try {
            final MemorySegment info = arena.allocate(DiskmapAbi.INFO);
            ioctl(device, callState, fd, DiskmapAbi.IOC_INFO, info, "read the controller's description");
            final int version = info.get(ValueLayout.JAVA_INT, DiskmapAbi.INFO_VERSION);
            if (version != DiskmapAbi.VERSION) {
                throw new DiskmapException(device + " speaks diskmap ABI " + version + " but this diskmap-java speaks "
                        + DiskmapAbi.VERSION + "; load the diskmap.ko built from the same source tree");
            }
            final int maxDepth = info.get(ValueLayout.JAVA_INT, DiskmapAbi.INFO_MAX_QUEUE_DEPTH);
            if (queueDepth > maxDepth) {
                throw new DiskmapException("queue depth " + queueDepth + " is more than " + device + " allows ("
                        + maxDepth + "); choose a smaller one");
            }
            final DeviceGeometry geometry = new DeviceGeometry(
                    info.get(ValueLayout.JAVA_INT, DiskmapAbi.INFO_BLOCK_SIZE),
                    info.get(ValueLayout.JAVA_LONG, DiskmapAbi.INFO_BLOCK_COUNT),
                    info.get(ValueLayout.JAVA_INT, DiskmapAbi.INFO_MAX_TRANSFER),
                    info.get(ValueLayout.JAVA_INT, DiskmapAbi.INFO_NAMESPACE_ID));

            final MemorySegment attach = arena.allocate(DiskmapAbi.ATTACH);
            attach.set(ValueLayout.JAVA_INT, DiskmapAbi.ATTACH_QUEUE_ID, queueId);
            attach.set(ValueLayout.JAVA_INT, DiskmapAbi.ATTACH_DEPTH, queueDepth);
            ioctl(
                    device,
                    callState,
                    fd,
                    DiskmapAbi.IOC_ATTACH,
                    attach,
                    queueId == 0 ? "attach an I/O queue pair" : "attach I/O queue pair " + queueId);
            final int attached = attach.get(ValueLayout.JAVA_INT, DiskmapAbi.ATTACH_QUEUE_ID);
            final MemorySegment sq = LibC.mmapShared(
                    callState,
                    attach.get(ValueLayout.JAVA_INT, DiskmapAbi.ATTACH_SQ_BYTES),
                    fd,
                    attach.get(ValueLayout.JAVA_LONG, DiskmapAbi.ATTACH_SQ_OFFSET));
            if (sq.address() == 0) {
                throw new DiskmapException(
                        "cannot map the submission ring of " + device + ": " + LibC.strerror(LibC.errno(callState)));
            }
            final MemorySegment cq = LibC.mmapReadOnly(
                    callState,
                    attach.get(ValueLayout.JAVA_INT, DiskmapAbi.ATTACH_CQ_BYTES),
                    fd,
                    attach.get(ValueLayout.JAVA_LONG, DiskmapAbi.ATTACH_CQ_OFFSET));
            if (cq.address() == 0) {
                LibC.munmap(callState, sq);
                throw new DiskmapException(
                        "cannot map the completion queue of " + device + ": " + LibC.strerror(LibC.errno(callState)));
            }
            return new DiskmapTransport(
                    device,
                    arena,
                    callState,
                    fd,
                    attached,
                    queueDepth,
                    geometry,
                    sq.asSlice(0, (long) queueDepth * NvmeCommandDescriptor.LENGTH),
                    cq.asSlice(0, (long) queueDepth * NvmeCompletionDescriptor.LENGTH));
        } catch (RuntimeException e) {
            LibC.close(callState, fd);
            arena.close();
            throw e;
        }
    }

    private static void ioctl(
            Path device, MemorySegment callState, int fd, long request, MemorySegment arg, String what) {
        if (LibC.ioctl(callState, fd, request, arg) < 0) {
            final int errno = LibC.errno(callState);
            final String hint = switch (errno) {
                case 16 -> " (another process owns that queue pair, or all are taken)";
                case 25 -> " (is it a diskmap device?)";
                case 19 -> " (the controller was unbound or failed; see the kernel log)";
                default -> "";
            };
            throw new DiskmapException("cannot " + what + " on " + device + ": " + LibC.strerror(errno) + hint);
        }
    }

    /** The I/O queue identifier the module gave this process. */
    public int queueId() {
        return queueId;
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
        final Rejection rejection = doorbell(newTail, cqHead);
        if (rejection != Rejection.NONE) {
            throw new DiskmapException(device + " refused submission entry "
                    + doorbell.get(ValueLayout.JAVA_INT, DiskmapAbi.DOORBELL_REJECTED_SLOT) + ": "
                    + rejection.sentence() + "; the driver built a command the module does not allow");
        }
    }

    @Override
    public void ringCompletionDoorbell(int newHead) {
        cqHead = newHead; // sent with the next submission doorbell (see the class comment)
    }

    /**
     * Rings the module's doorbell with {@code sqTail} and {@code cqHead}, as they are. Entries
     * before a refused one are submitted; the refused one and those after it are not.
     *
     * @return {@link Rejection#NONE}, or why the module refused the first entry it refused
     */
    public Rejection doorbell(int sqTail, int cqHead) {
        doorbell.set(ValueLayout.JAVA_INT, DiskmapAbi.DOORBELL_SQ_TAIL, sqTail);
        doorbell.set(ValueLayout.JAVA_INT, DiskmapAbi.DOORBELL_CQ_HEAD, cqHead);
        doorbell.set(ValueLayout.JAVA_INT, DiskmapAbi.DOORBELL_REASON, 0);
        if (LibC.ioctlUncaptured(fd, DiskmapAbi.IOC_DOORBELL, doorbell) == 0) {
            sqTailRung = sqTail;
            return Rejection.NONE;
        }
        final int reason = doorbell.get(ValueLayout.JAVA_INT, DiskmapAbi.DOORBELL_REASON);
        if (reason != 0) {
            sqTailRung = doorbell.get(ValueLayout.JAVA_INT, DiskmapAbi.DOORBELL_REJECTED_SLOT);
            return Rejection.ofCode(reason);
        }
        // Not a refusal: ring again with what the module already has (so nothing is submitted)
        // to learn the error, which the fast call does not capture.
        doorbell.set(ValueLayout.JAVA_INT, DiskmapAbi.DOORBELL_SQ_TAIL, sqTailRung);
        final int errno = LibC.ioctl(callState, fd, DiskmapAbi.IOC_DOORBELL, doorbell) < 0 ? LibC.errno(callState) : 0;
        throw new DiskmapException("the doorbell of " + device + " failed: "
                + (errno == 0 ? "the module refused it once and then accepted it" : LibC.strerror(errno))
                + (errno == 19 ? " (the controller was unbound or failed; see the kernel log)" : ""));
    }

    /** SQ tail the module has submitted up to. */
    public int submittedTail() {
        return sqTailRung;
    }

    @Override
    public int poll() {
        return 0; // the controller writes completions into the mapped CQ itself
    }

    @Override
    public long busAddress(long address) {
        for (int i = 0; i < regionCount; i++) {
            if (address >= regionStart[i] && address < regionEnd[i]) {
                final long offset = address - regionStart[i];
                return regionBusPages[i][(int) (offset / DiskmapAbi.PAGE_SIZE)] + (offset % DiskmapAbi.PAGE_SIZE);
            }
        }
        throw new IllegalArgumentException(
                "address 0x" + Long.toHexString(address) + " is not in memory registered with " + device);
    }

    /**
     * Pins {@code region} for DMA through the module and learns its pages' bus addresses. The
     * pages stay pinned until the transport closes.
     */
    @Override
    public void registerMemory(MemorySegment region) {
        checkOpen();
        if (regionCount == MAX_REGIONS) {
            throw new DiskmapException("more than " + MAX_REGIONS + " memory regions registered with " + device);
        }
        if (region.address() % DiskmapAbi.PAGE_SIZE != 0
                || region.byteSize() % DiskmapAbi.PAGE_SIZE != 0
                || region.byteSize() == 0) {
            throw new IllegalArgumentException("memory registered with " + device + " must be whole 4 KiB pages,"
                    + " not " + region.byteSize() + " bytes at 0x" + Long.toHexString(region.address()));
        }
        final int pages = Math.toIntExact(region.byteSize() / DiskmapAbi.PAGE_SIZE);
        try (Arena scratch = Arena.ofConfined()) {
            final MemorySegment table = scratch.allocate(ValueLayout.JAVA_LONG, pages);
            final MemorySegment arg = scratch.allocate(DiskmapAbi.REGION);
            arg.set(ValueLayout.JAVA_LONG, DiskmapAbi.REGION_ADDRESS, region.address());
            arg.set(ValueLayout.JAVA_LONG, DiskmapAbi.REGION_LENGTH, region.byteSize());
            arg.set(ValueLayout.JAVA_LONG, DiskmapAbi.REGION_BUS_TABLE, table.address());
            ioctl(
                    device,
                    callState,
                    fd,
                    DiskmapAbi.IOC_REGISTER,
                    arg,
                    "register " + region.byteSize() + " bytes of buffers");
            regionStart[regionCount] = region.address();
            regionEnd[regionCount] = region.address() + region.byteSize();
            regionBusPages[regionCount] = table.toArray(ValueLayout.JAVA_LONG);
            regionCount++;
        }
    }

    /** Bus addresses of a registered region's pages (for tests that build commands by hand). */
    public long[] busPages(MemorySegment region) {
        for (int i = 0; i < regionCount; i++) {
            if (regionStart[i] == region.address()) {
                return Arrays.copyOf(regionBusPages[i], regionBusPages[i].length);
            }
        }
        throw new IllegalArgumentException("region is not registered with " + device);
    }

    @Override
    public String name() {
        return "diskmap";
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(device + " (diskmap queue " + queueId + ") is closed");
        }
    }

    /** Unmaps and closes; the module deletes the queue pair and unpins the buffers. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LibC.munmap(callState, submissionQueue);
        LibC.munmap(callState, completionQueue);
        LibC.close(callState, fd);
        arena.close();
    }
}
