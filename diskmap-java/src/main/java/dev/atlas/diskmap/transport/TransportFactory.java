package dev.atlas.diskmap.transport;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Opens a transport by its name ({@code file}, {@code passthru}, …) on a path.
 *
 * <p>The io_uring transports live in {@code dev.atlas.diskmap.uring} and are found by their
 * static {@code open(Path, int queueDepth)} factories ({@code FileTransport},
 * {@code PassthruTransport}), so this class compiles whether or not they are present. A
 * transport can also be {@link #register registered} explicitly. The {@code emulated}
 * transport needs more settings and is opened by {@code NvmeDevice} itself.
 */
public final class TransportFactory {

    /** Opens one queue pair's transport on a file or device. */
    @FunctionalInterface
    public interface Opener {
        QueueTransport open(Path path, int queueDepth) throws IOException;
    }

    private static final Map<String, Opener> OPENERS = new TreeMap<>();

    static {
        registerIfPresent("file", "dev.atlas.diskmap.uring.FileTransport");
        registerIfPresent("passthru", "dev.atlas.diskmap.uring.PassthruTransport");
    }

    private TransportFactory() {
    }

    /** Makes {@code name} openable; replaces an earlier opener of that name. */
    public static synchronized void register(String name, Opener opener) {
        OPENERS.put(name, opener);
    }

    /** Names that {@link #open} accepts now. */
    public static synchronized Set<String> names() {
        return Set.copyOf(OPENERS.keySet());
    }

    /**
     * Opens transport {@code name} on {@code path}.
     *
     * @throws IllegalArgumentException naming the transports that exist, when {@code name} is unknown
     */
    public static QueueTransport open(String name, Path path, int queueDepth) throws IOException {
        final Opener opener;
        synchronized (TransportFactory.class) {
            opener = OPENERS.get(name);
        }
        if (opener == null) {
            throw new IllegalArgumentException("unknown transport '" + name + "'; this build offers "
                    + OPENERS.keySet() + " and emulated");
        }
        return opener.open(path, queueDepth);
    }

    private static void registerIfPresent(String name, String className) {
        final Class<?> type;
        try {
            type = Class.forName(className);
        } catch (ClassNotFoundException e) {
            return; // not part of this build
        }
        final Method open;
        try {
            open = type.getMethod("open", Path.class, int.class);
        } catch (NoSuchMethodException e) {
            return;
        }
        if (!QueueTransport.class.isAssignableFrom(open.getReturnType())) {
            return;
        }
        OPENERS.put(name, (path, depth) -> invoke(open, path, depth));
    }

    private static QueueTransport invoke(Method open, Path path, int queueDepth) throws IOException {
        try {
            return (QueueTransport) open.invoke(null, path, queueDepth);
        } catch (InvocationTargetException e) {
            final Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IOException(cause);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(open + " is not public", e);
        }
    }
}
