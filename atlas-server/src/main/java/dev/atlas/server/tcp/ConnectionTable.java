package dev.atlas.server.tcp;

import java.util.Arrays;

/**
 * Open-addressing map from a connection's 4-tuple to its slot index. With one local address per
 * lane the tuple packs into a {@code long} (remote IPv4, remote port, local port), so lookups
 * neither box nor allocate. Linear probing with backward-shift deletion keeps probes short
 * without tombstones.
 */
final class ConnectionTable {
    static final int MISSING = -1;
    private static final long EMPTY =
            -1L; // no real key: remote port and local port both 0xFFFF and address 255.255.255.255

    private final long[] keys;
    private final int[] values;
    private final int mask;
    private int size;

    ConnectionTable(int maxEntries) {
        int capacity = Integer.highestOneBit(Math.max(4, maxEntries * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new int[capacity];
        mask = capacity - 1;
        Arrays.fill(keys, EMPTY);
    }

    static long key(int remoteAddress, int remotePort, int localPort) {
        return ((long) remoteAddress << 32) | ((long) (remotePort & 0xFFFF) << 16) | (localPort & 0xFFFF);
    }

    int size() {
        return size;
    }

    int get(long key) {
        int i = slot(key);
        while (true) {
            final long k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == EMPTY) {
                return MISSING;
            }
            i = (i + 1) & mask;
        }
    }

    void put(long key, int value) {
        int i = slot(key);
        while (keys[i] != EMPTY && keys[i] != key) {
            i = (i + 1) & mask;
        }
        if (keys[i] == EMPTY) {
            size++;
        }
        keys[i] = key;
        values[i] = value;
    }

    void remove(long key) {
        int i = slot(key);
        while (keys[i] != key) {
            if (keys[i] == EMPTY) {
                return;
            }
            i = (i + 1) & mask;
        }
        size--;
        // Backward shift: move later members of the probe run into the hole where allowed.
        int hole = i;
        int j = (i + 1) & mask;
        while (keys[j] != EMPTY) {
            final int home = slot(keys[j]);
            final boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
            j = (j + 1) & mask;
        }
        keys[hole] = EMPTY;
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }
}
