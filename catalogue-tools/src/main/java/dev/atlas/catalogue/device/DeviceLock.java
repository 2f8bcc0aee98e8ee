package dev.atlas.catalogue.device;

import dev.atlas.catalogue.CatalogueBusyException;
import dev.atlas.catalogue.CatalogueException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The catalogue's advisory lock: {@code flock(2)} on every device of a set. A running server
 * (and every reader) holds it {@link Mode#SHARED}; the CLI's writing commands need it
 * {@link Mode#EXCLUSIVE} and refuse, naming the holder, when they cannot get it at once — so a
 * served catalogue is never written behind the server's back. {@code flock} belongs to the open
 * file description, so closing other descriptors of the same device does not drop it (unlike
 * POSIX record locks), and the kernel releases it when the holder dies.
 */
public final class DeviceLock implements AutoCloseable {

    /** How the lock is held. */
    public enum Mode { SHARED, EXCLUSIVE }

    private static final int LOCK_SH = 1;
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int EWOULDBLOCK = 11;
    private static final int EINTR = 4;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(
            java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle FLOCK = downcall("flock",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = downcall("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private final List<Integer> fds;
    private final Mode mode;

    private DeviceLock(List<Integer> fds, Mode mode) {
        this.fds = fds;
        this.mode = mode;
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor,
                Linker.Option.captureCallState("errno"));
    }

    public Mode mode() {
        return mode;
    }

    /**
     * Locks every device without waiting.
     *
     * @throws CatalogueBusyException if another process holds a conflicting lock on one of them
     */
    public static DeviceLock acquire(List<Path> devices, Mode mode) {
        final List<Integer> fds = new ArrayList<>(devices.size());
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = arena.allocate(CALL_STATE);
            for (Path device : devices) {
                final int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(device.toString()), O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                    final int errno = (int) ERRNO.get(state, 0L);
                    closeAll(fds);
                    throw new CatalogueException(errno == 2
                            ? "device " + device + " does not exist; create the image or fix the --device path"
                            : "cannot open " + device + " to lock it (errno " + errno + ")");
                }
                fds.add(fd);
                int rc;
                do {
                    rc = (int) FLOCK.invokeExact(state, fd, (mode == Mode.SHARED ? LOCK_SH : LOCK_EX) | LOCK_NB);
                } while (rc != 0 && (int) ERRNO.get(state, 0L) == EINTR);
                if (rc != 0) {
                    final int errno = (int) ERRNO.get(state, 0L);
                    closeAll(fds);
                    if (errno == EWOULDBLOCK) {
                        throw new CatalogueBusyException(busyMessage(device, mode));
                    }
                    throw new CatalogueException("cannot lock " + device + " (errno " + errno + ")");
                }
            }
        } catch (CatalogueException e) {
            throw e;
        } catch (Throwable t) {
            closeAll(fds);
            throw new CatalogueException("cannot lock the devices: " + t);
        }
        return new DeviceLock(fds, mode);
    }

    private static String busyMessage(Path device, Mode mode) {
        final String holder = LockHolders.describe(device);
        if (mode == Mode.EXCLUSIVE) {
            return device + " is in use" + holder + ": a running Atlas server (or another atlas-catalogue) holds"
                    + " its catalogue; stop it, or change a served catalogue through the server's admin API";
        }
        return device + " is being written" + holder + " by another atlas-catalogue; wait for it to finish";
    }

    private static void closeAll(List<Integer> fds) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = arena.allocate(CALL_STATE);
            for (int fd : fds) {
                final int rc = (int) CLOSE.invokeExact(state, fd);
                if (rc != 0) {
                    throw new IllegalStateException("close(" + fd + ") failed with errno " + (int) ERRNO.get(state, 0L));
                }
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("close failed", t);
        } finally {
            fds.clear();
        }
    }

    /** Releases every device (closing the descriptors drops the flock). */
    @Override
    public void close() {
        closeAll(fds);
    }

    /** Finds who holds an flock on a device, from /proc/locks, for the refusal message. */
    static final class LockHolders {

        private LockHolders() {
        }

        static String describe(Path device) {
            try {
                final Object ino = Files.getAttribute(device, "unix:ino");
                final String inode = ":" + ino + " ";
                for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
                    // "1: FLOCK  ADVISORY  READ 1234 fd:01:5678 0 EOF"
                    final String[] f = line.trim().split("\\s+");
                    if (f.length >= 6 && f[1].equals("FLOCK") && (f[5] + " ").endsWith(inode)) {
                        final String pid = f[4];
                        return " (pid " + pid + commandOf(pid) + ")";
                    }
                }
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                // best effort: the refusal is clear without the holder
            }
            return "";
        }

        private static String commandOf(String pid) {
            try {
                final byte[] raw = Files.readAllBytes(Path.of("/proc", pid, "cmdline"));
                final String[] args = new String(raw, StandardCharsets.UTF_8).split("\0");
                String cmd = String.join(" ", args).trim();
                for (int i = 0; i < args.length; i++) {
                    if (args[i].startsWith("dev.atlas.")) {
                        // a Java launcher line is mostly class path: show the main class and its command
                        cmd = args[i].substring(args[i].lastIndexOf('.') + 1) + (i + 1 < args.length ? " " + args[i + 1] : "");
                        break;
                    }
                }
                if (cmd.length() > 80) {
                    cmd = cmd.substring(0, 77) + "...";
                }
                return cmd.isEmpty() ? "" : ", " + cmd;
            } catch (IOException e) {
                return "";
            }
        }
    }
}
