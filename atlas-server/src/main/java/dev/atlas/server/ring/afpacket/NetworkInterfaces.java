package dev.atlas.server.ring.afpacket;

import dev.atlas.server.ring.Wire;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Looks up interfaces in the calling thread's network namespace (not through {@code /sys},
 * which shows the namespace the file system was mounted in).
 */
public final class NetworkInterfaces {
    private NetworkInterfaces() {}

    /** The interface index, or 0 when there is no such interface in this namespace. */
    public static int index(String name) {
        if (name.isEmpty() || name.length() >= Libc.IFNAMSIZ) {
            return 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.newErrnoCapture(arena);
            return Libc.ifNameToIndex(capture, arena.allocateFrom(name));
        }
    }

    /** The interface's MAC address as a long; throws with an operator sentence when it has none. */
    public static long macAddress(String name) {
        if (index(name) == 0) {
            throw new AfPacketException(
                    "no network interface named '" + name + "' in this network namespace (see 'ip link')");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.newErrnoCapture(arena);
            int fd = Libc.socket(capture, Libc.AF_PACKET, Libc.SOCK_RAW, 0);
            if (fd < 0) {
                throw new AfPacketException("cannot open an AF_PACKET socket to read the MAC of " + name + ": "
                        + Libc.strerror(Libc.errno(capture)) + " (run as root or with CAP_NET_RAW)");
            }
            try {
                MemorySegment ifreq = arena.allocate(Libc.IFREQ_SIZE);
                MemorySegment.copy(arena.allocateFrom(name), 0, ifreq, 0, name.length());
                if (Libc.ioctl(capture, fd, Libc.SIOCGIFHWADDR, ifreq) < 0) {
                    throw new AfPacketException(
                            "cannot read the MAC address of " + name + ": " + Libc.strerror(Libc.errno(capture)));
                }
                return Wire.u48(ifreq, Libc.IFREQ_HWADDR_DATA_OFFSET);
            } finally {
                Libc.close(capture, fd);
            }
        }
    }
}
