package dev.atlas.server.tcp;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Off-heap memory for per-connection state that a lane sizes for its whole connection table but
 * that most connections never touch (request buffers, held input, retained response heads): an
 * anonymous private mapping, address space only until a page is first written, and never
 * zeroed by us (the kernel's fresh pages are zero). {@link Arena#allocate} would zero, and so
 * make resident, all of it at start. Slots handed out LIFO keep the touched part as small as the
 * most connections that were ever using it at once. Unmapped when the segment is collected.
 */
public final class ReservedMemory {
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_NORESERVE = 0x4000;
    private static final long MAP_FAILED = -1L;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MMAP = LINKER.downcallHandle(
            LINKER.defaultLookup().find("mmap").orElseThrow(),
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = LINKER.downcallHandle(
            LINKER.defaultLookup().find("munmap").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));

    private ReservedMemory() {}

    /** {@code bytes} of zeroed memory, resident page by page as it is first written. */
    public static MemorySegment reserve(long bytes) {
        final long size = Math.max(1, bytes);
        final MemorySegment mapped;
        try {
            mapped = (MemorySegment) MMAP.invokeExact(
                    MemorySegment.NULL, size, PROT_READ_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
        } catch (Throwable e) {
            throw new IllegalStateException("mmap of " + size + " bytes failed", e);
        }
        if (mapped.address() == MAP_FAILED || mapped.address() == 0) {
            throw new OutOfMemoryError("cannot reserve " + size + " bytes of address space for connection state"
                    + " (check ulimit -v and vm.overcommit_memory)");
        }
        return mapped.reinterpret(size, Arena.ofAuto(), ReservedMemory::unmap);
    }

    private static void unmap(MemorySegment segment) {
        try {
            final int ignored = (int) MUNMAP.invokeExact(segment, segment.byteSize());
        } catch (Throwable e) {
            // Nothing to do at collection time: the address space stays mapped.
        }
    }
}
