package dev.atlas.server.tcp;

import dev.atlas.server.proto.ArpTable;

/**
 * The lane's connection table: the preallocated control blocks, the map from a 4-tuple to its
 * slot, the free slots, the ports we listen on and the count of half-open connections (the
 * bounded SYN queue). Taking and giving back a slot happen here; what a connection's state
 * machine does with it lives in {@link TcpInput}, {@link TcpOutput} and {@link TcpTimers}.
 */
final class TcpConnections {
    static final int PORTS = 1 << 16;

    private final TcpConnection[] slots;
    private final ConnectionTable byTuple;
    private final int[] freeIds;
    private int freeCount;
    private final boolean[] listening = new boolean[PORTS];
    private final ArpTable arpTable;
    private final TcpCounters counters;
    private int synQueued;

    TcpConnections(TcpConnection[] slots, ArpTable arpTable, TcpCounters counters) {
        this.slots = slots;
        this.byTuple = new ConnectionTable(slots.length);
        this.freeIds = new int[slots.length];
        for (int i = 0; i < slots.length; i++) {
            freeIds[i] = slots.length - 1 - i;
        }
        this.freeCount = slots.length;
        this.arpTable = arpTable;
        this.counters = counters;
    }

    void listen(int port) {
        if (port <= 0 || port >= PORTS) {
            throw new IllegalArgumentException("port " + port + " is outside 1.." + (PORTS - 1));
        }
        listening[port] = true;
    }

    boolean isListening(int port) {
        return listening[port];
    }

    int capacity() {
        return slots.length;
    }

    /** Connections in the table (any state but CLOSED, TIME_WAIT included). */
    int inUse() {
        return slots.length - freeCount;
    }

    boolean isFull() {
        return freeCount == 0;
    }

    TcpConnection get(int id) {
        return slots[id];
    }

    /** The connection of 4-tuple {@code key}, or null. */
    TcpConnection find(long key) {
        final int id = byTuple.get(key);
        return id == ConnectionTable.MISSING ? null : slots[id];
    }

    int synQueued() {
        return synQueued;
    }

    void synQueued(int delta) {
        synQueued += delta;
    }

    /** Takes a free slot for 4-tuple {@code key} (the caller checked {@link #isFull}). */
    TcpConnection open(long key, long mac, int address, int remotePort, int localPort, long now) {
        final TcpConnection c = slots[freeIds[--freeCount]];
        byTuple.put(key, c.id);
        c.open(key, nextHop(address, mac), address, remotePort, localPort, now);
        return c;
    }

    /** Gives the slot of a connection that has closed back: the 4-tuple no longer maps to it. */
    void free(TcpConnection c) {
        byTuple.remove(c.key);
        c.closed();
        freeIds[freeCount++] = c.id;
    }

    /** The frame's source MAC is the next hop we answer to; the ARP table only fills a gap. */
    private long nextHop(int address, long mac) {
        if (mac != 0) {
            return mac;
        }
        final long learned = arpTable.lookup(address);
        if (learned == ArpTable.MISSING) {
            counters.arpMisses++;
            return 0;
        }
        return learned;
    }
}
