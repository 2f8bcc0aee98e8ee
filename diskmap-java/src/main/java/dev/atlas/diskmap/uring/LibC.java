package dev.atlas.diskmap.uring;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few libc entry points the io_uring transports need, as FFM downcalls.
 *
 * <p>Every call takes a per-caller {@link #newCallState errno capture segment} first, so errno
 * is read from the same call that failed (the JVM may clobber the thread's errno in between).
 * Calls return the raw C result; callers turn {@code -1} plus {@link #errno} into operator
 * sentences. Syscall arguments are all passed as {@code long} because glibc's variadic
 * {@code syscall()} reads every argument as a full register.
 */
public final class LibC {
    /** io_uring system call numbers on x86-64. */
    public static final long SYS_IO_URING_SETUP = 425;

    public static final long SYS_IO_URING_ENTER = 426;
    public static final long SYS_IO_URING_REGISTER = 427;

    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_DIRECT = 0x4000;
    public static final int O_CLOEXEC = 0x80000;

    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final int MAP_POPULATE = 0x8000;

    /** ioctl requests of linux/fs.h: device size in bytes (u64) and logical sector size (int). */
    public static final long BLKGETSIZE64 = 0x80081272L;

    public static final long BLKSSZGET = 0x1268L;

    /** st_mode file types (sys/stat.h). */
    public static final int S_IFMT = 0xF000;

    public static final int S_IFREG = 0x8000;
    public static final int S_IFBLK = 0x6000;
    public static final int S_IFCHR = 0x2000;
    public static final int S_IFDIR = 0x4000;

    /** struct stat on x86-64: where st_mode and st_size live, and its size. */
    public static final long STAT_MODE_OFFSET = 24;

    public static final long STAT_RDEV_OFFSET = 40;
    public static final long STAT_SIZE_OFFSET = 48;
    public static final long STAT_SIZE = 144;
    /** struct statfs on x86-64: f_type first; 120 bytes. */
    public static final long STATFS_TYPE_OFFSET = 0;

    public static final long STATFS_SIZE = 120;
    /** f_type of file systems whose "direct" I/O still goes through the page cache. */
    public static final long TMPFS_MAGIC = 0x01021994L;

    public static final long RAMFS_MAGIC = 0x858458f6L;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final java.lang.foreign.AddressLayout ADDRESS = ValueLayout.ADDRESS;

    private static final MethodHandle SYSCALL_SETUP =
            downcall("syscall", FunctionDescriptor.of(LONG, LONG, LONG, ADDRESS), 1);
    private static final MethodHandle SYSCALL_ENTER =
            downcall("syscall", FunctionDescriptor.of(LONG, LONG, LONG, LONG, LONG, LONG, ADDRESS, LONG), 1);
    /**
     * io_uring_enter without errno capture, for the per-pass hot path: the capture copies into a
     * call-state segment through a slice the JIT does not always eliminate, so a lane would
     * allocate per call. Callers learn errno from {@link #ioUringEnter} when a failure repeats.
     */
    private static final MethodHandle SYSCALL_ENTER_UNCAPTURED = LINKER.downcallHandle(
            LINKER.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(LONG, LONG, LONG, LONG, LONG, LONG, ADDRESS, LONG),
            Linker.Option.firstVariadicArg(1));

    private static final MethodHandle SYSCALL_REGISTER =
            downcall("syscall", FunctionDescriptor.of(LONG, LONG, LONG, LONG, ADDRESS, LONG), 1);
    private static final MethodHandle MMAP =
            downcall("mmap", FunctionDescriptor.of(ADDRESS, ADDRESS, LONG, INT, INT, INT, LONG), -1);
    private static final MethodHandle MUNMAP = downcall("munmap", FunctionDescriptor.of(INT, ADDRESS, LONG), -1);
    private static final MethodHandle OPEN = downcall("open", FunctionDescriptor.of(INT, ADDRESS, INT, INT), 2);
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(INT, INT), -1);
    private static final MethodHandle FSTAT = downcall("fstat", FunctionDescriptor.of(INT, INT, ADDRESS), -1);
    private static final MethodHandle FSTATFS = downcall("fstatfs", FunctionDescriptor.of(INT, INT, ADDRESS), -1);
    private static final MethodHandle IOCTL = downcall("ioctl", FunctionDescriptor.of(INT, INT, LONG, ADDRESS), 2);
    /** ioctl without errno capture, for a doorbell on the hot path (same reason as io_uring_enter). */
    private static final MethodHandle IOCTL_UNCAPTURED = LINKER.downcallHandle(
            LINKER.defaultLookup().find("ioctl").orElseThrow(),
            FunctionDescriptor.of(INT, INT, LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2));

    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, INT));

    private LibC() {}

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, int firstVariadic) {
        MemorySegment symbol =
                LINKER.defaultLookup().find(name).orElseThrow(() -> new IllegalStateException("libc has no " + name));
        Linker.Option[] options = firstVariadic >= 0
                ? new Linker.Option[] {CAPTURE_ERRNO, Linker.Option.firstVariadicArg(firstVariadic)}
                : new Linker.Option[] {CAPTURE_ERRNO};
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /** A segment that receives errno after each call; allocate one per owner and reuse it. */
    public static MemorySegment newCallState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    /** errno left by the last call that used {@code callState}. */
    public static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }

    /** The C library's sentence for an errno value, e.g. "No such file or directory". */
    public static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(Integer.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    public static long ioUringSetup(MemorySegment callState, int entries, MemorySegment params) {
        try {
            return (long) SYSCALL_SETUP.invokeExact(callState, SYS_IO_URING_SETUP, (long) entries, params);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** io_uring_enter on the hot path: the result only (−1 on failure, errno not kept). Allocates nothing. */
    public static long ioUringEnter(int fd, int toSubmit, int minComplete, int flags) {
        try {
            return (long) SYSCALL_ENTER_UNCAPTURED.invokeExact(
                    SYS_IO_URING_ENTER,
                    (long) fd,
                    (long) toSubmit,
                    (long) minComplete,
                    (long) flags,
                    MemorySegment.NULL,
                    0L);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static long ioUringEnter(MemorySegment callState, int fd, int toSubmit, int minComplete, int flags) {
        try {
            return (long) SYSCALL_ENTER.invokeExact(
                    callState,
                    SYS_IO_URING_ENTER,
                    (long) fd,
                    (long) toSubmit,
                    (long) minComplete,
                    (long) flags,
                    MemorySegment.NULL,
                    0L);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static long ioUringRegister(MemorySegment callState, int fd, int opcode, MemorySegment arg, int count) {
        try {
            return (long) SYSCALL_REGISTER.invokeExact(
                    callState, SYS_IO_URING_REGISTER, (long) fd, (long) opcode, arg, (long) count);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Maps {@code length} bytes of {@code fd} at {@code offset}; {@code NULL} on failure. */
    public static MemorySegment mmapShared(MemorySegment callState, long length, int fd, long offset) {
        try {
            MemorySegment address = (MemorySegment) MMAP.invokeExact(
                    callState,
                    MemorySegment.NULL,
                    length,
                    PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_POPULATE,
                    fd,
                    offset);
            return address.address() == -1L ? MemorySegment.NULL : address.reinterpret(length);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Maps {@code length} bytes of {@code fd} at {@code offset} for reading only; {@code NULL} on failure. */
    public static MemorySegment mmapReadOnly(MemorySegment callState, long length, int fd, long offset) {
        try {
            MemorySegment address = (MemorySegment) MMAP.invokeExact(
                    callState, MemorySegment.NULL, length, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, offset);
            return address.address() == -1L ? MemorySegment.NULL : address.reinterpret(length);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int munmap(MemorySegment callState, MemorySegment mapping) {
        try {
            return (int) MUNMAP.invokeExact(callState, mapping, mapping.byteSize());
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int open(MemorySegment callState, MemorySegment path, int flags) {
        try {
            return (int) OPEN.invokeExact(callState, path, flags, 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int close(MemorySegment callState, int fd) {
        try {
            return (int) CLOSE.invokeExact(callState, fd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int fstat(MemorySegment callState, int fd, MemorySegment stat) {
        try {
            return (int) FSTAT.invokeExact(callState, fd, stat);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int fstatfs(MemorySegment callState, int fd, MemorySegment statfs) {
        try {
            return (int) FSTATFS.invokeExact(callState, fd, statfs);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int ioctl(MemorySegment callState, int fd, long request, MemorySegment arg) {
        try {
            return (int) IOCTL.invokeExact(callState, fd, request, arg);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** ioctl without errno: -1 on failure; callers learn errno from {@link #ioctl} when they need it. */
    public static int ioctlUncaptured(int fd, long request, MemorySegment arg) {
        try {
            return (int) IOCTL_UNCAPTURED.invokeExact(fd, request, arg);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
