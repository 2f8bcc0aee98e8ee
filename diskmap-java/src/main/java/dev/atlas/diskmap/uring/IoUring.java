package dev.atlas.diskmap.uring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * One io_uring instance driven by hand: io_uring_setup, the shared SQ/CQ ring mapping and the
 * SQE array, io_uring_enter and io_uring_register, with no liburing.
 *
 * <p>Single-threaded: one owner fills SQEs ({@link #nextSubmission}), publishes them
 * ({@link #submit}) and reaps CQEs ({@link #completionTail()}, {@link #completion},
 * {@link #advanceCompletionHead}). The SQ tail and CQ head are published to the kernel with
 * release stores; the CQ tail and SQ head written by the kernel are read with acquire loads.
 * The SQ index array is filled once (slot i → SQE i) because entries are used in ring order.
 */
public final class IoUring implements AutoCloseable {
    private static final VarHandle INT_HANDLE = ValueLayout.JAVA_INT.varHandle();
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT;
    private static final int IOVEC_SIZE = 16;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment callState = LibC.newCallState(arena);
    private final int fd;
    private final int setupFlags;
    private final int features;
    private final int sqEntries;
    private final int cqEntries;
    private final int sqMask;
    private final int cqMask;
    private final int sqeSize;
    private final int cqeSize;
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment sqes;
    private final long sqHeadOffset;
    private final long sqTailOffset;
    private final long sqFlagsOffset;
    private final long cqHeadOffset;
    private final long cqTailOffset;
    private final long cqesOffset;
    private final SubmissionEntry submission = new SubmissionEntry();
    private final CompletionEntry completion = new CompletionEntry();

    private int sqTail;
    private int sqUnsubmitted;
    /** The last io_uring_enter failed: the next one captures errno (see {@link #enter}). */
    private boolean lastEnterFailed;

    private int cqHead;
    private int registeredBuffers;
    private boolean closed;

    private IoUring(int entries, int flags) {
        MemorySegment paramsMemory = arena.allocate(IoUringParams.SIZE, Long.BYTES);
        IoUringParams params = new IoUringParams().wrap(paramsMemory);
        params.flags(flags);
        if ((flags & IoUringParams.SETUP_CQSIZE) != 0) {
            params.cqEntries(entries * 2);
        }
        long result = LibC.ioUringSetup(callState, entries, paramsMemory);
        if (result < 0) {
            int errno = LibC.errno(callState);
            arena.close();
            throw new UringException(setupFailure(errno, entries, flags), errno);
        }
        fd = (int) result;
        setupFlags = flags;
        features = params.features();
        sqEntries = params.sqEntries();
        cqEntries = params.cqEntries();
        sqeSize = (flags & IoUringParams.SETUP_SQE128) != 0 ? SubmissionEntry.SIZE_128 : SubmissionEntry.SIZE;
        cqeSize = (flags & IoUringParams.SETUP_CQE32) != 0 ? CompletionEntry.SIZE_32 : CompletionEntry.SIZE;

        if ((features & IoUringParams.FEAT_SINGLE_MMAP) == 0) {
            LibC.close(callState, fd);
            arena.close();
            throw new UringException(
                    "this kernel's io_uring lacks IORING_FEAT_SINGLE_MMAP (Linux ≥ 5.4 needed)", Errno.ENOSYS);
        }
        long sqRingBytes = params.sqOffset(IoUringParams.SQ_ARRAY) + (long) sqEntries * Integer.BYTES;
        long cqRingBytes = params.cqOffset(IoUringParams.CQ_CQES) + (long) cqEntries * cqeSize;
        long ringBytes = Math.max(sqRingBytes, cqRingBytes);
        MemorySegment rings = LibC.mmapShared(callState, ringBytes, fd, IoUringOpcode.OFF_SQ_RING);
        if (rings.equals(MemorySegment.NULL)) {
            int errno = LibC.errno(callState);
            LibC.close(callState, fd);
            arena.close();
            throw new UringException("cannot map the io_uring rings: " + LibC.strerror(errno), errno);
        }
        MemorySegment entriesMap = LibC.mmapShared(callState, (long) sqEntries * sqeSize, fd, IoUringOpcode.OFF_SQES);
        if (entriesMap.equals(MemorySegment.NULL)) {
            int errno = LibC.errno(callState);
            LibC.munmap(callState, rings);
            LibC.close(callState, fd);
            arena.close();
            throw new UringException("cannot map the io_uring submission entries: " + LibC.strerror(errno), errno);
        }
        sqRing = rings;
        cqRing = rings;
        sqes = entriesMap;
        sqMask = sqRing.get(U32, params.sqOffset(IoUringParams.SQ_RING_MASK));
        cqMask = cqRing.get(U32, params.cqOffset(IoUringParams.CQ_RING_MASK));
        sqHeadOffset = params.sqOffset(IoUringParams.SQ_HEAD);
        sqTailOffset = params.sqOffset(IoUringParams.SQ_TAIL);
        sqFlagsOffset = params.sqOffset(IoUringParams.SQ_FLAGS);
        cqHeadOffset = params.cqOffset(IoUringParams.CQ_HEAD);
        cqTailOffset = params.cqOffset(IoUringParams.CQ_TAIL);
        cqesOffset = params.cqOffset(IoUringParams.CQ_CQES);
        long arrayOffset = params.sqOffset(IoUringParams.SQ_ARRAY);
        for (int i = 0; i < sqEntries; i++) {
            sqRing.set(U32, arrayOffset + (long) i * Integer.BYTES, i);
        }
        sqTail = sqRing.get(U32, sqTailOffset);
        cqHead = cqRing.get(U32, cqHeadOffset);
    }

    /** A ring with at least {@code entries} SQEs, a CQ twice as large and cooperative task running. */
    public static IoUring open(int entries) {
        return open(entries, 0);
    }

    /**
     * A ring with the given extra setup flags (e.g. {@link IoUringParams#SETUP_SQE128}). The CQ
     * is always twice the SQ so completions never overflow while the SQ is full; task work runs
     * cooperatively and the kernel raises a flag when it needs an enter ({@link #needsEnter()}).
     */
    public static IoUring open(int entries, int extraFlags) {
        if (entries < 1 || Integer.bitCount(entries) != 1) {
            throw new IllegalArgumentException("io_uring entries must be a power of two ≥ 1: " + entries);
        }
        int flags = extraFlags
                | IoUringParams.SETUP_CQSIZE
                | IoUringParams.SETUP_COOP_TASKRUN
                | IoUringParams.SETUP_TASKRUN_FLAG;
        return new IoUring(entries, flags);
    }

    private static String setupFailure(int errno, int entries, int flags) {
        return switch (errno) {
            case Errno.ENOSYS -> "io_uring is not available in this kernel (io_uring_setup: ENOSYS)";
            case Errno.EPERM -> "io_uring is disabled on this machine (sysctl kernel.io_uring_disabled)";
            case Errno.ENOMEM ->
                "not enough locked memory for an io_uring of " + entries + " entries (raise RLIMIT_MEMLOCK)";
            case Errno.EINVAL ->
                String.format("this kernel rejects io_uring setup flags 0x%x (Linux ≥ 6.0 needed)", flags);
            default -> "io_uring_setup failed: " + LibC.strerror(errno);
        };
    }

    public int fd() {
        return fd;
    }

    public int submissionEntries() {
        return sqEntries;
    }

    public int completionEntries() {
        return cqEntries;
    }

    public int features() {
        return features;
    }

    public int setupFlags() {
        return setupFlags;
    }

    /** SQEs filled but not yet accepted by the kernel. */
    public int unsubmitted() {
        return sqUnsubmitted;
    }

    /** Free SQ slots: ring size minus entries the kernel has not consumed yet. */
    public int submissionSpace() {
        int kernelHead = (int) INT_HANDLE.getAcquire(sqRing, sqHeadOffset);
        return sqEntries - (sqTail - kernelHead);
    }

    /**
     * Wraps the next free SQE (zeroed) in the returned flyweight, or returns null when the SQ is
     * full. The entry becomes visible to the kernel only at the next {@link #submit}.
     */
    public SubmissionEntry nextSubmission() {
        ensureOpen();
        if (submissionSpace() <= 0) {
            return null;
        }
        long offset = (long) (sqTail & sqMask) * sqeSize;
        sqTail++;
        sqUnsubmitted++;
        return submission.wrap(sqes, offset, sqeSize).clear();
    }

    /**
     * Publishes all filled SQEs (one release store of the tail) and hands them to the kernel in
     * one io_uring_enter; with {@code minComplete > 0} also waits for that many completions.
     * EINTR, EAGAIN and EBUSY leave the rest queued for the next call.
     *
     * @return entries the kernel accepted
     */
    public int submit(int minComplete) {
        ensureOpen();
        INT_HANDLE.setRelease(sqRing, sqTailOffset, sqTail);
        int flags = minComplete > 0 || needsEnter() ? IoUringOpcode.ENTER_GETEVENTS : 0;
        if (sqUnsubmitted == 0 && flags == 0) {
            return 0;
        }
        long result = enter(sqUnsubmitted, minComplete, flags);
        if (result < 0) {
            return 0;
        }
        sqUnsubmitted -= (int) result;
        return (int) result;
    }

    /**
     * One io_uring_enter. The first failure after a success is taken as transient (EINTR, EAGAIN,
     * EBUSY: retried on the next call) without knowing errno, so the hot path makes no capturing
     * downcall; a failure that repeats is made again with errno captured, and thrown unless it is
     * one of those. Returns the kernel's result, negative when the call is to be retried.
     */
    private long enter(int toSubmit, int minComplete, int flags) {
        if (!lastEnterFailed) {
            long result = LibC.ioUringEnter(fd, toSubmit, minComplete, flags);
            lastEnterFailed = result < 0;
            return result;
        }
        long result = LibC.ioUringEnter(callState, fd, toSubmit, minComplete, flags);
        if (result < 0) {
            int errno = LibC.errno(callState);
            if (errno != Errno.EINTR && errno != Errno.EAGAIN && errno != Errno.EBUSY) {
                throw new UringException("io_uring_enter failed: " + LibC.strerror(errno), errno);
            }
            return result;
        }
        lastEnterFailed = false;
        return result;
    }

    /** Runs pending task work (and submits anything queued) so completions reach the CQ. */
    public void enterForCompletions() {
        ensureOpen();
        long result = enter(sqUnsubmitted, 0, IoUringOpcode.ENTER_GETEVENTS);
        if (result >= 0) {
            sqUnsubmitted -= (int) result;
        }
    }

    /** True when the kernel holds task work or overflowed completions that only an enter flushes. */
    public boolean needsEnter() {
        int flags = (int) INT_HANDLE.getAcquire(sqRing, sqFlagsOffset);
        return (flags & (IoUringOpcode.SQ_TASKRUN | IoUringOpcode.SQ_CQ_OVERFLOW)) != 0;
    }

    /** Our CQ head: the next completion to read. */
    public int completionHead() {
        return cqHead;
    }

    /** The kernel's CQ tail (acquire): completions before it are ready to read. */
    public int completionTail() {
        return (int) INT_HANDLE.getAcquire(cqRing, cqTailOffset);
    }

    /** Wraps the completion at ring position {@code position} (a head value, not masked). */
    public CompletionEntry completion(int position) {
        return completion.wrap(cqRing, cqesOffset + (long) (position & cqMask) * cqeSize);
    }

    /** Releases {@code count} reaped completions back to the kernel. */
    public void advanceCompletionHead(int count) {
        cqHead += count;
        INT_HANDLE.setRelease(cqRing, cqHeadOffset, cqHead);
    }

    /**
     * Registers buffers for READ_FIXED/WRITE_FIXED; index {@code i} of a later SQE's buf_index
     * refers to {@code regions[i]}. Replaces any earlier registration.
     */
    public void registerBuffers(MemorySegment... regions) {
        ensureOpen();
        if (registeredBuffers > 0) {
            LibC.ioUringRegister(callState, fd, IoUringOpcode.UNREGISTER_BUFFERS, MemorySegment.NULL, 0);
            registeredBuffers = 0;
        }
        if (regions.length == 0) {
            return;
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment iovecs = scratch.allocate((long) regions.length * IOVEC_SIZE, Long.BYTES);
            for (int i = 0; i < regions.length; i++) {
                iovecs.set(ValueLayout.JAVA_LONG, (long) i * IOVEC_SIZE, regions[i].address());
                iovecs.set(ValueLayout.JAVA_LONG, (long) i * IOVEC_SIZE + Long.BYTES, regions[i].byteSize());
            }
            long result;
            int errno;
            do {
                result = LibC.ioUringRegister(callState, fd, IoUringOpcode.REGISTER_BUFFERS, iovecs, regions.length);
                errno = result < 0 ? LibC.errno(callState) : 0;
            } while (result < 0 && errno == Errno.EINTR);
            if (result < 0) {
                String why = errno == Errno.ENOMEM
                        ? "not enough locked memory (raise RLIMIT_MEMLOCK, e.g. ulimit -l unlimited)"
                        : LibC.strerror(errno);
                throw new UringException(
                        "cannot register " + regions.length + " I/O buffer region(s) with io_uring: " + why, errno);
            }
        }
        registeredBuffers = regions.length;
    }

    /** The mapped SQE array, for tests that check what was submitted byte by byte. */
    MemorySegment submissionEntryArray() {
        return sqes;
    }

    /** Size of one SQE: 64, or 128 with SQE128. */
    public int submissionEntrySize() {
        return sqeSize;
    }

    public boolean isClosed() {
        return closed;
    }

    private void ensureOpen() {
        if (closed) {
            throw new UringException("this io_uring was closed; open a new one", Errno.EBADF);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LibC.munmap(callState, sqes);
        LibC.munmap(callState, sqRing);
        LibC.close(callState, fd);
        arena.close();
    }
}
