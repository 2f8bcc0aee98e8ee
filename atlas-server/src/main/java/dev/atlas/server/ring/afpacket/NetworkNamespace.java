package dev.atlas.server.ring.afpacket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.Callable;

/**
 * Runs code with the calling thread inside a named network namespace ({@code ip netns add}
 * creates {@code /var/run/netns/NAME}) and moves it back afterwards. Network namespaces are
 * per thread, and a socket stays in the namespace it was created in, so a ring or a kernel
 * socket opened inside {@link #call} keeps working there from any thread.
 */
public final class NetworkNamespace {
    private static final String NAMED_NAMESPACES = "/var/run/netns/";
    private static final String OWN_NAMESPACE = "/proc/thread-self/ns/net";

    private NetworkNamespace() {}

    /** Calls {@code body} inside namespace {@code name}; the thread returns to its own namespace even on failure. */
    public static <T> T call(String name, Callable<T> body) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.newErrnoCapture(arena);
            int own = Libc.open(capture, arena.allocateFrom(OWN_NAMESPACE), Libc.O_RDONLY | Libc.O_CLOEXEC);
            if (own < 0) {
                throw new AfPacketException("cannot open " + OWN_NAMESPACE + ": " + Libc.strerror(Libc.errno(capture)));
            }
            try {
                int target =
                        Libc.open(capture, arena.allocateFrom(NAMED_NAMESPACES + name), Libc.O_RDONLY | Libc.O_CLOEXEC);
                if (target < 0) {
                    throw new AfPacketException("no network namespace named '" + name + "' (see 'ip netns list'): "
                            + Libc.strerror(Libc.errno(capture)));
                }
                try {
                    if (Libc.setns(capture, target, Libc.CLONE_NEWNET) < 0) {
                        throw new AfPacketException("cannot enter network namespace '" + name + "': "
                                + Libc.strerror(Libc.errno(capture)) + " (needs root)");
                    }
                } finally {
                    Libc.close(capture, target);
                }
                try {
                    return body.call();
                } finally {
                    if (Libc.setns(capture, own, Libc.CLONE_NEWNET) < 0) {
                        throw new IllegalStateException("could not return to the original network namespace: "
                                + Libc.strerror(Libc.errno(capture)));
                    }
                }
            } finally {
                Libc.close(capture, own);
            }
        }
    }
}
