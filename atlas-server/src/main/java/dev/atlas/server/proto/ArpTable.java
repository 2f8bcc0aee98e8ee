package dev.atlas.server.proto;

/**
 * IPv4 → MAC neighbour cache of fixed capacity: open addressing over parallel {@code int} and
 * {@code long} arrays, so lookups and updates never allocate or box.
 *
 * <p>It is a cache, not a map: entries are never removed, only overwritten. A key is looked
 * for within {@link #MAX_PROBE} slots of its home; when all of them hold other addresses, the
 * home slot is overwritten. That bounds memory and time when a flood of spoofed sources
 * passes through, at the price of re-learning (from the next frame or ARP) an evicted peer.
 * Address 0.0.0.0 marks an empty slot and is never stored. Single-writer (one lane).
 */
public final class ArpTable {
    /** Returned by {@link #lookup} when the address is not known. */
    public static final long MISSING = -1L;
    /** Slots examined per operation. */
    public static final int MAX_PROBE = 8;

    private static final int EMPTY = Ipv4Address.ANY;
    private static final int GOLDEN = 0x9E37_79B9;

    private final int[] addresses;
    private final long[] macs;
    private final int mask;
    private final int shift;
    private int size;

    /** Default number of slots: ample for one lane's peers on a subnet. */
    public static final int DEFAULT_CAPACITY = 4096;

    /** A table of {@link #DEFAULT_CAPACITY} slots. */
    public ArpTable() {
        this(DEFAULT_CAPACITY);
    }

    /** A table of at least {@code capacity} slots (rounded up to a power of two, at least 16). */
    public ArpTable(int capacity) {
        int slots = Integer.highestOneBit(Math.max(16, capacity - 1)) << 1;
        if (slots < capacity) {
            slots <<= 1;
        }
        addresses = new int[slots];
        macs = new long[slots];
        mask = slots - 1;
        shift = Integer.SIZE - Integer.numberOfTrailingZeros(slots);
    }

    private int home(int address) {
        return (address * GOLDEN) >>> shift;
    }

    /** The MAC for {@code address}, or {@link #MISSING}. */
    public long lookup(int address) {
        if (address == EMPTY) {
            return MISSING;
        }
        int slot = home(address);
        for (int i = 0; i < MAX_PROBE; i++) {
            int at = (slot + i) & mask;
            int key = addresses[at];
            if (key == address) {
                return macs[at];
            }
            if (key == EMPTY) {
                return MISSING;
            }
        }
        return MISSING;
    }

    /** Records (or refreshes) {@code address → mac}; ignores 0.0.0.0 and group MACs. */
    public void learn(int address, long mac) {
        if (address == EMPTY || MacAddress.isGroup(mac)) {
            return;
        }
        int slot = home(address);
        for (int i = 0; i < MAX_PROBE; i++) {
            int at = (slot + i) & mask;
            int key = addresses[at];
            if (key == address) {
                macs[at] = mac;
                return;
            }
            if (key == EMPTY) {
                addresses[at] = address;
                macs[at] = mac;
                size++;
                return;
            }
        }
        addresses[slot] = address;
        macs[slot] = mac;
    }

    /** Number of occupied slots. */
    public int size() {
        return size;
    }

    /** Number of slots. */
    public int capacity() {
        return addresses.length;
    }
}
