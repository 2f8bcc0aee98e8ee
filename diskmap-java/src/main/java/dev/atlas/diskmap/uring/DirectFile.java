package dev.atlas.diskmap.uring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * An image file or block device opened with O_DIRECT, so no byte of it ever enters the page
 * cache, with the geometry the {@code file} transport exposes. Opening checks everything an
 * operator can get wrong (missing path, directory, character device, a file system that only
 * pretends to do direct I/O, an image smaller than one block) and says what to do.
 */
public final class DirectFile implements AutoCloseable {
    /** Default logical block size for regular files, as for a 512e drive. */
    public static final int DEFAULT_FILE_BLOCK_SIZE = 512;

    private final Path path;
    private final int fd;
    private final boolean blockDevice;
    private final boolean readOnly;
    private final long sizeBytes;
    private final int blockSize;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment callState = LibC.newCallState(arena);
    private boolean closed;

    private DirectFile(Path path, int requestedBlockSize) {
        this.path = path;
        int openedFd;
        boolean openedReadOnly = false;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment cPath = scratch.allocateFrom(path.toString());
            openedFd = LibC.open(callState, cPath, LibC.O_RDWR | LibC.O_DIRECT | LibC.O_CLOEXEC);
            if (openedFd < 0) {
                int errno = LibC.errno(callState);
                if (errno == Errno.EROFS || errno == Errno.EACCES) {
                    openedFd = LibC.open(callState, cPath, LibC.O_RDONLY | LibC.O_DIRECT | LibC.O_CLOEXEC);
                    openedReadOnly = openedFd >= 0;
                }
                if (openedFd < 0) {
                    errno = LibC.errno(callState);
                    String message = errno == Errno.EINVAL ? whyNoDirectIo(path, cPath) : openFailure(path, errno);
                    fail(message, errno);
                }
            }
            fd = openedFd;
            readOnly = openedReadOnly;

            MemorySegment stat = scratch.allocate(LibC.STAT_SIZE, Long.BYTES);
            if (LibC.fstat(callState, fd, stat) != 0) {
                closeAndFail(
                        "cannot stat " + path + ": " + LibC.strerror(LibC.errno(callState)), LibC.errno(callState));
            }
            int type = stat.get(ValueLayout.JAVA_INT, LibC.STAT_MODE_OFFSET) & LibC.S_IFMT;
            blockDevice = type == LibC.S_IFBLK;
            if (type == LibC.S_IFDIR) {
                closeAndFail(path + " is a directory; give the image file or block device itself", Errno.EISDIR);
            }
            if (type == LibC.S_IFCHR) {
                closeAndFail(characterDevice(path), Errno.EINVAL);
            }
            if (!blockDevice && type != LibC.S_IFREG) {
                closeAndFail(path + " is neither a regular file nor a block device", Errno.EINVAL);
            }
            MemorySegment statfs = scratch.allocate(LibC.STATFS_SIZE, Long.BYTES);
            if (!blockDevice && LibC.fstatfs(callState, fd, statfs) == 0) {
                long fsType = statfs.get(ValueLayout.JAVA_LONG, LibC.STATFS_TYPE_OFFSET);
                if (fsType == LibC.TMPFS_MAGIC || fsType == LibC.RAMFS_MAGIC) {
                    closeAndFail(noDirectIo(path), Errno.EINVAL);
                }
            }

            int deviceBlockSize = DEFAULT_FILE_BLOCK_SIZE;
            long bytes;
            if (blockDevice) {
                MemorySegment value = scratch.allocate(Long.BYTES, Long.BYTES);
                if (LibC.ioctl(callState, fd, LibC.BLKGETSIZE64, value) != 0) {
                    closeAndFail(
                            "cannot read the size of block device " + path + ": "
                                    + LibC.strerror(LibC.errno(callState)),
                            LibC.errno(callState));
                }
                bytes = value.get(ValueLayout.JAVA_LONG, 0);
                if (LibC.ioctl(callState, fd, LibC.BLKSSZGET, value) != 0) {
                    closeAndFail(
                            "cannot read the logical block size of " + path + ": "
                                    + LibC.strerror(LibC.errno(callState)),
                            LibC.errno(callState));
                }
                deviceBlockSize = value.get(ValueLayout.JAVA_INT, 0);
            } else {
                bytes = stat.get(ValueLayout.JAVA_LONG, LibC.STAT_SIZE_OFFSET);
            }
            int chosen = requestedBlockSize == 0 ? deviceBlockSize : requestedBlockSize;
            if (chosen < deviceBlockSize || Integer.bitCount(chosen) != 1) {
                closeAndFail(
                        "block size " + chosen + " does not fit " + path + ": it must be a power of two ≥ "
                                + deviceBlockSize,
                        Errno.EINVAL);
            }
            if (bytes < chosen) {
                closeAndFail(
                        path + " is " + bytes + " bytes, smaller than one " + chosen
                                + "-byte block; create or format the image first",
                        Errno.EINVAL);
            }
            blockSize = chosen;
            sizeBytes = bytes;
        }
    }

    /**
     * Opens {@code path} for direct I/O.
     *
     * @param blockSize logical block size to expose; 0 picks 512 for files and the device's own
     *                  logical block size for block devices
     */
    public static DirectFile open(Path path, int blockSize) {
        return new DirectFile(path, blockSize);
    }

    private static String openFailure(Path path, int errno) {
        return switch (errno) {
            case Errno.ENOENT -> "image " + path + " does not exist; create it first or fix the path";
            case Errno.ENOTDIR -> "a parent of " + path + " is not a directory; fix the path";
            case Errno.EISDIR -> path + " is a directory; give the image file or block device itself";
            case Errno.EACCES, Errno.EPERM -> "no permission to open " + path + " (run as root or fix its mode)";
            case Errno.EINVAL -> noDirectIo(path);
            case Errno.ENXIO, Errno.ENODEV -> path + " names a device that is not present";
            case Errno.EBUSY -> path + " is busy (in use by another driver or mounted exclusively)";
            default -> "cannot open " + path + ": " + LibC.strerror(errno);
        };
    }

    /** O_DIRECT was refused: say why, by looking at the path without O_DIRECT. */
    private String whyNoDirectIo(Path path, MemorySegment cPath) {
        int plainFd = LibC.open(callState, cPath, LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (plainFd < 0) {
            return noDirectIo(path);
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment stat = scratch.allocate(LibC.STAT_SIZE, Long.BYTES);
            int type = LibC.fstat(callState, plainFd, stat) == 0
                    ? stat.get(ValueLayout.JAVA_INT, LibC.STAT_MODE_OFFSET) & LibC.S_IFMT
                    : 0;
            return type == LibC.S_IFCHR ? characterDevice(path) : noDirectIo(path);
        } finally {
            LibC.close(callState, plainFd);
        }
    }

    private static String characterDevice(Path path) {
        return path + " is a character device; the file transport needs a regular file or a block"
                + " device (/dev/nvmeXnY) — use the passthru transport for /dev/ngXnY";
    }

    private static String noDirectIo(Path path) {
        return path + " is on a file system that does not support O_DIRECT (tmpfs?) — put the image on a disk"
                + " file system or a block device";
    }

    private void fail(String message, int errno) {
        arena.close();
        throw new UringException(message, errno);
    }

    private void closeAndFail(String message, int errno) {
        LibC.close(callState, fd);
        fail(message, errno);
    }

    public Path path() {
        return path;
    }

    public int fd() {
        return fd;
    }

    public boolean isBlockDevice() {
        return blockDevice;
    }

    public boolean isReadOnly() {
        return readOnly;
    }

    public long sizeBytes() {
        return sizeBytes;
    }

    public int blockSize() {
        return blockSize;
    }

    /** Whole blocks in the image; a trailing partial block is not addressable. */
    public long blockCount() {
        return sizeBytes / blockSize;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.close(callState, fd);
            arena.close();
        }
    }
}
