package dev.atlas.catalogue.device;

import dev.atlas.catalogue.error.CatalogueBusyException;
import dev.atlas.catalogue.error.CatalogueException;
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
 *
 * <p>A server that changes its own catalogue {@link #upgrade() upgrades} the lock it serves
 * under and {@link #downgrade() downgrades} it afterwards. It must convert the descriptors it
 * already holds: {@code flock} conflicts between open file descriptions even inside one process,
 * so a second, exclusive open would be refused by the server's own shared lock.
 */
public final class DeviceLock implements AutoCloseable {

    /** How the lock is held. */
    public enum Mode {
        SHARED,
        EXCLUSIVE
    }

    private static final int LOCK_SH = 1;
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int EWOULDBLOCK = 11;
    private static final int EINTR = 4;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN =
            downcall("open", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle FLOCK =
            downcall("flock", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE =
            downcall("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private final List<Path> devices;
    private final List<Integer> fds;
    private Mode mode;
    private boolean released;

    private DeviceLock(List<Path> devices, List<Integer> fds, Mode mode) {
        this.devices = List.copyOf(devices);
        this.fds = fds;
        this.mode = mode;
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(
                LINKER.defaultLookup().find(name).orElseThrow(), descriptor, Linker.Option.captureCallState("errno"));
    }

    /** How the lock is held now (it changes with {@link #upgrade()} and {@link #downgrade()}). */
    public Mode mode() {
        return mode;
    }

    /**
     * Locks every device without waiting.
     *
     * @throws CatalogueBusyException if another process holds a conflicting lock on one of them
     */
    public static DeviceLock acquire(List<Path> devices, Mode mode) {
        refuseDuplicates(devices);
        final List<Integer> fds = new ArrayList<>(devices.size());
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = arena.allocate(CALL_STATE);
            for (Path device : devices) {
                final int fd =
                        (int) OPEN.invokeExact(state, arena.allocateFrom(device.toString()), O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                    final int errno = (int) ERRNO.get(state, 0L);
                    closeAll(fds);
                    throw new CatalogueException(
                            errno == 2
                                    ? "device " + device + " does not exist; create the image or fix the --device path"
                                    : "cannot open " + device + " to lock it (errno " + errno + ")");
                }
                fds.add(fd);
                final int errno = flock(state, fd, (mode == Mode.SHARED ? LOCK_SH : LOCK_EX) | LOCK_NB);
                if (errno != 0) {
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
        return new DeviceLock(devices, fds, mode);
    }

    /**
     * Refuses a device named twice (the same path, or two paths to one file): the second lock of
     * it would conflict with the first and look like another process holding it.
     */
    private static void refuseDuplicates(List<Path> devices) {
        for (int i = 0; i < devices.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (sameFile(devices.get(i), devices.get(j))) {
                    throw new CatalogueException(
                            devices.get(j).equals(devices.get(i))
                                    ? devices.get(i) + " is named twice; name each device of the set once"
                                    : devices.get(j) + " and " + devices.get(i)
                                            + " are the same device, named twice; name"
                                            + " each device of the set once");
                }
            }
        }
    }

    private static boolean sameFile(Path a, Path b) {
        if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) {
            return true;
        }
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false; // a missing device is reported when it is opened
        }
    }

    /**
     * Converts a shared lock to exclusive on every device, without waiting; does nothing if it
     * is exclusive already. On refusal the lock is shared again on every device, as it was.
     *
     * @throws CatalogueBusyException if another open file description (another process, or
     *                                another open of the devices in this one) holds a shared lock
     */
    public void upgrade() {
        checkHeld();
        if (mode == Mode.EXCLUSIVE) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = arena.allocate(CALL_STATE);
            for (int i = 0; i < fds.size(); i++) {
                final int errno = flock(state, fds.get(i), LOCK_EX | LOCK_NB);
                if (errno != 0) {
                    // Linux removes the old lock before it tests the new one (flock(2): conversion
                    // is not atomic), so the refused descriptor has lost its shared lock as well.
                    // Name the holder first, while /proc/locks shows only the others' locks.
                    final String why = errno == EWOULDBLOCK
                            ? upgradeRefusal(devices.get(i))
                            : "cannot lock " + devices.get(i) + " for writing (errno " + errno + ")";
                    for (int j = 0; j <= i; j++) {
                        restoreShared(state, j);
                    }
                    throw errno == EWOULDBLOCK ? new CatalogueBusyException(why) : new CatalogueException(why);
                }
            }
        } catch (CatalogueException e) {
            throw e;
        } catch (Throwable t) {
            throw new CatalogueException("cannot lock the devices for writing: " + t);
        }
        mode = Mode.EXCLUSIVE;
    }

    /**
     * Converts an exclusive lock back to shared on every device, letting readers in again; does
     * nothing if it is shared already. Never refused: no one else can hold a lock we hold
     * exclusively.
     */
    public void downgrade() {
        checkHeld();
        if (mode == Mode.SHARED) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = arena.allocate(CALL_STATE);
            for (int i = 0; i < fds.size(); i++) {
                restoreShared(state, i);
            }
        } catch (CatalogueException e) {
            throw e;
        } catch (Throwable t) {
            throw new CatalogueException("cannot return the devices' lock to shared: " + t);
        }
        mode = Mode.SHARED;
    }

    /**
     * Takes device {@code i}'s lock shared again. From exclusive this never conflicts; after a
     * refused upgrade, a writer may have slipped into the moment without a lock, and waiting for it
     * is the only way back to holding the catalogue shared.
     */
    private void restoreShared(MemorySegment state, int i) throws Throwable {
        int errno = flock(state, fds.get(i), LOCK_SH | LOCK_NB);
        if (errno == EWOULDBLOCK) {
            errno = flock(state, fds.get(i), LOCK_SH);
        }
        if (errno != 0) {
            throw new CatalogueException("cannot take the lock on " + devices.get(i) + " shared again (errno " + errno
                    + "); close the catalogue and open it again");
        }
    }

    /** Calls {@code flock}, retrying when a signal interrupts it; returns 0 or the errno. */
    private static int flock(MemorySegment state, int fd, int operation) throws Throwable {
        int rc;
        do {
            rc = (int) FLOCK.invokeExact(state, fd, operation);
        } while (rc != 0 && (int) ERRNO.get(state, 0L) == EINTR);
        return rc == 0 ? 0 : (int) ERRNO.get(state, 0L);
    }

    private void checkHeld() {
        if (released) {
            throw new IllegalStateException("the lock on " + devices + " was already released");
        }
    }

    private static String upgradeRefusal(Path device) {
        return device + " is also open" + LockHolders.describe(device) + " by another reader of its catalogue, so it"
                + " cannot be changed now; wait for that reader (atlas-catalogue ls, get, verify, fsck, or a second"
                + " server) to finish, or stop it, and try again";
    }

    private static String busyMessage(Path device, Mode mode) {
        final LockHolder h = LockHolders.find(device);
        final String holder = h == null ? "" : h.inParentheses();
        if (mode == Mode.EXCLUSIVE && h != null && !h.self() && h.mainClass().equals("CatalogueCli")) {
            return device + (h.writes() ? " is being written" : " is being read") + holder + " by another"
                    + " atlas-catalogue command; wait for it to finish (or stop it) and try again";
        }
        if (mode == Mode.EXCLUSIVE && h != null && !h.self() && h.mainClass().equals("ServeCommand")) {
            return device + " is in use" + holder + ": a running Atlas server serves its catalogue; change a served"
                    + " catalogue through the server's admin API, or stop the server";
        }
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
                    throw new IllegalStateException(
                            "close(" + fd + ") failed with errno " + (int) ERRNO.get(state, 0L));
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
        released = true;
        closeAll(fds);
    }

    /**
     * Who holds an flock on a device, from /proc/locks and the holder's command line, for the
     * refusal message: its pid, whether it is this process, whether it writes, and for a Java
     * launcher line the main class's simple name and the word after it (e.g. "CatalogueCli verify").
     */
    record LockHolder(String pid, boolean self, boolean writes, String mainClass, String command) {

        /** " (pid N, command)" for a message. */
        String inParentheses() {
            return " (pid " + pid + (self ? ", this process" : command.isEmpty() ? "" : ", " + command) + ")";
        }
    }

    /** Finds who holds an flock on a device, from /proc/locks, for the refusal message. */
    static final class LockHolders {

        private LockHolders() {}

        static String describe(Path device) {
            final LockHolder h = find(device);
            return h == null ? "" : h.inParentheses();
        }

        /** The first holder of an flock on {@code device} that /proc/locks lists, or null. */
        static LockHolder find(Path device) {
            try {
                final Object ino = Files.getAttribute(device, "unix:ino");
                final String inode = ":" + ino + " ";
                for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
                    // "1: FLOCK  ADVISORY  READ 1234 fd:01:5678 0 EOF"
                    final String[] f = line.trim().split("\\s+");
                    if (f.length >= 6 && f[1].equals("FLOCK") && (f[5] + " ").endsWith(inode)) {
                        final String pid = f[4];
                        final boolean self =
                                pid.equals(Long.toString(ProcessHandle.current().pid()));
                        return holder(pid, self, f[3].equals("WRITE"));
                    }
                }
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                // best effort: the refusal is clear without the holder
            }
            return null;
        }

        private static LockHolder holder(String pid, boolean self, boolean writes) {
            String mainClass = "";
            String cmd = "";
            try {
                final byte[] raw = Files.readAllBytes(Path.of("/proc", pid, "cmdline"));
                final String[] args = new String(raw, StandardCharsets.UTF_8).split("\0");
                cmd = String.join(" ", args).trim();
                for (int i = 0; i < args.length; i++) {
                    if (args[i].startsWith("dev.atlas.")) {
                        // a Java launcher line is mostly class path: show the main class and its command
                        mainClass = args[i].substring(args[i].lastIndexOf('.') + 1);
                        cmd = mainClass + (i + 1 < args.length ? " " + args[i + 1] : "");
                        break;
                    }
                }
                if (cmd.length() > 80) {
                    cmd = cmd.substring(0, 77) + "...";
                }
            } catch (IOException e) {
                // the pid alone still helps
            }
            return new LockHolder(pid, self, writes, mainClass, cmd);
        }
    }
}
