package dev.atlas.server.tcp;

import dev.atlas.server.proto.ArpTable;

/**
 * The lane's connection table: the preallocated control blocks, the map from a 4-tuple to its
 * slot, the free slots, the ports we listen on and the count of half-open connections (the
 * bounded SYN queue). Taking and giving back a slot happen here; what a connection's state
 * machine does with it lives in {@link TcpInput}, {@link TcpOutput} and {@link TcpTimers}.
 *
 * <p>When the table is full a new connection need not be refused: connections the application
 * marks evictable wait in two queues, oldest first — idle keep-alive connections, then stalled
 * ones (a request head trickling in) — and the handshake takes the oldest of them
 * ({@link #evictionCandidate}). Optionally the connections of one remote address are counted and
 * capped, so one client cannot take the table alone. Intrusive lists and open addressing: no
 * allocation.
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

    /** Not evictable; an idle keep-alive connection; a stalled one (head incomplete, nothing to send). */
    static final int ACTIVE = 0;

    static final int IDLE = 1;
    static final int STALLED = 2;
    private static final int NONE = -1;
    /** Per slot: which eviction queue it is in, and its neighbours there. */
    private final byte[] queueOf;

    private final int[] older;
    private final int[] newer;
    /** Oldest and newest member of each queue (indexed by IDLE, STALLED). */
    private final int[] oldest = {NONE, NONE, NONE};

    private final int[] newest = {NONE, NONE, NONE};

    /** Connections per remote address (only when limited). */
    private final ConnectionTable perAddress;

    private final int perAddressLimit;

    TcpConnections(TcpConnection[] slots, ArpTable arpTable, TcpCounters counters) {
        this(slots, arpTable, counters, 0);
    }

    /** @param perAddressLimit connections one remote address may hold, 0 for no limit */
    TcpConnections(TcpConnection[] slots, ArpTable arpTable, TcpCounters counters, int perAddressLimit) {
        this.slots = slots;
        this.byTuple = new ConnectionTable(slots.length);
        this.freeIds = new int[slots.length];
        for (int i = 0; i < slots.length; i++) {
            freeIds[i] = slots.length - 1 - i;
        }
        this.freeCount = slots.length;
        this.arpTable = arpTable;
        this.counters = counters;
        this.queueOf = new byte[slots.length];
        this.older = new int[slots.length];
        this.newer = new int[slots.length];
        this.perAddressLimit = perAddressLimit;
        this.perAddress = perAddressLimit > 0 ? new ConnectionTable(slots.length) : null;
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
        if (perAddress != null) {
            final int n = perAddress.get(address & 0xFFFFFFFFL);
            perAddress.put(address & 0xFFFFFFFFL, n == ConnectionTable.MISSING ? 1 : n + 1);
        }
        return c;
    }

    /** Gives the slot of a connection that has closed back: the 4-tuple no longer maps to it. */
    void free(TcpConnection c) {
        byTuple.remove(c.key);
        queue(c, ACTIVE);
        if (perAddress != null) {
            final long address = c.remoteAddress & 0xFFFFFFFFL;
            final int n = perAddress.get(address);
            if (n <= 1) {
                perAddress.remove(address);
            } else {
                perAddress.put(address, n - 1);
            }
        }
        c.closed();
        freeIds[freeCount++] = c.id;
    }

    /** Whether {@code address} holds as many connections as one address may (never, without a limit). */
    boolean atAddressLimit(int address) {
        return perAddress != null && perAddress.get(address & 0xFFFFFFFFL) >= perAddressLimit;
    }

    /**
     * Moves {@code c} to the newest end of eviction queue {@code queue} ({@link #IDLE},
     * {@link #STALLED}), or out of both ({@link #ACTIVE}).
     */
    void queue(TcpConnection c, int queue) {
        final int id = c.id;
        final int from = queueOf[id];
        if (from != ACTIVE) {
            final int o = older[id];
            final int n = newer[id];
            if (o == NONE) {
                oldest[from] = n;
            } else {
                newer[o] = n;
            }
            if (n == NONE) {
                newest[from] = o;
            } else {
                older[n] = o;
            }
        }
        queueOf[id] = (byte) queue;
        if (queue != ACTIVE) {
            older[id] = newest[queue];
            newer[id] = NONE;
            if (newest[queue] == NONE) {
                oldest[queue] = id;
            } else {
                newer[newest[queue]] = id;
            }
            newest[queue] = id;
        }
    }

    /** The connection to evict for a new one: the oldest idle one, else the oldest stalled one, else null. */
    TcpConnection evictionCandidate() {
        if (oldest[IDLE] != NONE) {
            return slots[oldest[IDLE]];
        }
        return oldest[STALLED] != NONE ? slots[oldest[STALLED]] : null;
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
