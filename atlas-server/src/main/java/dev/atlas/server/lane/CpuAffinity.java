package dev.atlas.server.lane;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Pins the calling thread to one CPU with Linux {@code sched_setaffinity(0, …)} through FFM
 * (Java has no API for it). Pid 0 means "the calling thread", so a lane pins itself on start.
 */
public final class CpuAffinity {
    /** glibc's {@code cpu_set_t} is 1024 bits. */
    private static final int CPU_SET_BYTES = 128;

    private static final MethodHandle SCHED_SETAFFINITY;

    static {
        final Linker linker = Linker.nativeLinker();
        SCHED_SETAFFINITY = linker.downcallHandle(
                linker.defaultLookup().find("sched_setaffinity").orElseThrow(),
                FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    }

    private CpuAffinity() {}

    /** Returns true when the calling thread now runs only on {@code cpu}. */
    public static boolean pinCurrentThread(int cpu) {
        if (cpu < 0 || cpu >= CPU_SET_BYTES * Byte.SIZE) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment mask = arena.allocate(CPU_SET_BYTES, Long.BYTES);
            final int wordIndex = cpu / Long.SIZE;
            mask.setAtIndex(ValueLayout.JAVA_LONG, wordIndex, 1L << (cpu % Long.SIZE));
            return (int) SCHED_SETAFFINITY.invokeExact(0, (long) CPU_SET_BYTES, mask) == 0;
        } catch (Throwable e) {
            return false;
        }
    }
}
