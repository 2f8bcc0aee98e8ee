package dev.atlas.server.ring.afpacket;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc calls the packet-ring backend makes, as FFM downcalls that capture {@code errno}.
 * Every call takes a caller-owned capture segment ({@link #newErrnoCapture}) so the hot path
 * ({@code sendto}) allocates nothing.
 */
final class Libc {
    static final int AF_PACKET = 17;
    static final int SOCK_RAW = 3;
    static final int SOL_PACKET = 263;
    static final int ETH_P_ALL = 0x0003;
    static final int PROT_READ_WRITE = 0x1 | 0x2;
    static final int MAP_SHARED = 0x01;
    static final int MAP_POPULATE = 0x8000;
    static final int MSG_DONTWAIT = 0x40;
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000;
    static final int CLONE_NEWNET = 0x4000_0000;
    static final long SIOCGIFHWADDR = 0x8927;
    static final int EAGAIN = 11;
    static final int ENOBUFS = 105;
    /** {@code struct ifreq}: name[16] then a union; the hardware address is a sockaddr at 16 (data at 18). */
    static final int IFREQ_SIZE = 40;

    static final int IFREQ_HWADDR_DATA_OFFSET = 18;
    static final int IFNAMSIZ = 16;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle SOCKET =
            capturing("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT =
            capturing("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT =
            capturing("getsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle BIND =
            capturing("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MMAP = capturing(
            "mmap", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = capturing("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    /**
     * sendto without errno capture: the kick runs every lane pass, and a capturing downcall goes
     * through a slice of the call-state segment that the JIT does not always eliminate. A failed
     * kick (EAGAIN/ENOBUFS) only means the frames wait for the next one, so errno is not needed.
     */
    private static final MethodHandle SENDTO = LINKER.downcallHandle(
            LOOKUP.find("sendto").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));

    private static final MethodHandle CLOSE = capturing("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle IOCTL = LINKER.downcallHandle(
            LOOKUP.find("ioctl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            CAPTURE_ERRNO,
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IF_NAMETOINDEX =
            capturing("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle OPEN = LINKER.downcallHandle(
            LOOKUP.find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            CAPTURE_ERRNO,
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SETNS = capturing("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle STRERROR =
            LINKER.downcallHandle(LOOKUP.find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Libc() {}

    private static MethodHandle capturing(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LOOKUP.find(name)
                .orElseThrow(() ->
                        new IllegalStateException("libc has no " + name + "; AF_PACKET rings need Linux with glibc"));
        return LINKER.downcallHandle(symbol, descriptor, CAPTURE_ERRNO);
    }

    static MemorySegment newErrnoCapture(Arena arena) {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    static int socket(MemorySegment capture, int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(capture, domain, type, protocol);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int setsockopt(MemorySegment capture, int fd, int level, int option, MemorySegment value, int length) {
        try {
            return (int) SETSOCKOPT.invokeExact(capture, fd, level, option, value, length);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int getsockopt(
            MemorySegment capture, int fd, int level, int option, MemorySegment value, MemorySegment length) {
        try {
            return (int) GETSOCKOPT.invokeExact(capture, fd, level, option, value, length);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int bind(MemorySegment capture, int fd, MemorySegment address, int length) {
        try {
            return (int) BIND.invokeExact(capture, fd, address, length);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static MemorySegment mmap(MemorySegment capture, long length, int protection, int flags, int fd) {
        try {
            return (MemorySegment) MMAP.invokeExact(capture, MemorySegment.NULL, length, protection, flags, fd, 0L);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int munmap(MemorySegment capture, MemorySegment address, long length) {
        try {
            return (int) MUNMAP.invokeExact(capture, address, length);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code sendto(fd, NULL, 0, flags, NULL, 0)}: the TX-ring doorbell; negative when it failed. */
    static long kick(int fd, int flags) {
        try {
            return (long) SENDTO.invokeExact(fd, MemorySegment.NULL, 0L, flags, MemorySegment.NULL, 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int close(MemorySegment capture, int fd) {
        try {
            return (int) CLOSE.invokeExact(capture, fd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int ioctl(MemorySegment capture, int fd, long request, MemorySegment argument) {
        try {
            return (int) IOCTL.invokeExact(capture, fd, request, argument);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int ifNameToIndex(MemorySegment capture, MemorySegment name) {
        try {
            return (int) IF_NAMETOINDEX.invokeExact(capture, name);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int open(MemorySegment capture, MemorySegment path, int flags) {
        try {
            return (int) OPEN.invokeExact(capture, path, flags, 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int setns(MemorySegment capture, int fd, int type) {
        try {
            return (int) SETNS.invokeExact(capture, fd, type);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Network-order 16-bit value as the int the kernel reads from a host-order field. */
    static int htons(int value) {
        return Short.toUnsignedInt(Short.reverseBytes((short) value));
    }

    static final ValueLayout.OfInt INT = JAVA_INT;
}
