package dev.atlas.server.storage;

import dev.atlas.catalogue.CatalogueEntry;
import dev.atlas.catalogue.CatalogueSnapshot;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One catalogue generation as a lane serves it: every entry's name, drive extent and response
 * fields in flat arrays, found by the request's decoded path bytes through an open-addressing
 * table — no String, no boxing, nothing allocated per lookup. Immutable, built on the
 * management thread and published to the lanes, which may keep serving an older one until their
 * next request.
 */
public final class ServedCatalogue {
    /** Returned by {@link #lookup} for a name that is not in the catalogue. */
    public static final int MISSING = -1;

    private static final int EMPTY = -1;
    private static final int FNV_OFFSET = 0x811C9DC5;
    private static final int FNV_PRIME = 0x01000193;
    private static final long MILLIS_PER_SECOND = 1000;

    private final long generation;
    private final byte[] names;
    private final int[] nameOffset;
    private final int[] nameLength;
    private final int[] drive;
    private final long[] address;
    private final long[] length;
    private final byte[][] contentType;
    private final byte[][] etag;
    private final long[] lastModifiedSeconds;
    private final int[] table;
    private final int mask;
    private final long totalBytes;

    private ServedCatalogue(long generation, List<CatalogueEntry> entries, int blockSize) {
        this.generation = generation;
        final int n = entries.size();
        final byte[][] encoded = new byte[n][];
        int nameBytes = 0;
        for (int i = 0; i < n; i++) {
            encoded[i] = entries.get(i).name().getBytes(StandardCharsets.UTF_8);
            nameBytes += encoded[i].length;
        }
        this.names = new byte[nameBytes];
        this.nameOffset = new int[n];
        this.nameLength = new int[n];
        this.drive = new int[n];
        this.address = new long[n];
        this.length = new long[n];
        this.contentType = new byte[n][];
        this.etag = new byte[n][];
        this.lastModifiedSeconds = new long[n];
        final int slots = Integer.highestOneBit(Math.max(2, n) * 2 - 1) << 1;
        this.table = new int[slots];
        this.mask = slots - 1;
        java.util.Arrays.fill(table, EMPTY);
        long total = 0;
        int at = 0;
        for (int i = 0; i < n; i++) {
            final CatalogueEntry e = entries.get(i);
            System.arraycopy(encoded[i], 0, names, at, encoded[i].length);
            nameOffset[i] = at;
            nameLength[i] = encoded[i].length;
            at += encoded[i].length;
            drive[i] = e.device();
            address[i] = e.firstLba() * blockSize;
            length[i] = e.length();
            contentType[i] = e.contentType().getBytes(StandardCharsets.US_ASCII);
            etag[i] = e.etag().getBytes(StandardCharsets.US_ASCII);
            lastModifiedSeconds[i] = Math.floorDiv(e.mtimeMillis(), MILLIS_PER_SECOND);
            total += e.length();
            int slot = hash(names, nameOffset[i], nameLength[i]) & mask;
            while (table[slot] != EMPTY) {
                slot = (slot + 1) & mask;
            }
            table[slot] = i;
        }
        this.totalBytes = total;
    }

    /** The lane view of a committed generation. */
    public static ServedCatalogue of(CatalogueSnapshot snapshot) {
        return new ServedCatalogue(
                snapshot.generation(), snapshot.entries(), snapshot.primary().blockSize());
    }

    /** An empty catalogue (the pattern responder's lanes, tests). */
    public static ServedCatalogue empty() {
        return new ServedCatalogue(0, List.of(), 1);
    }

    /** The entry named by the first {@code nameLength} bytes of {@code name} (UTF-8), or {@link #MISSING}. */
    public int lookup(MemorySegment name, int nameLength) {
        int h = FNV_OFFSET;
        for (int i = 0; i < nameLength; i++) {
            h = (h ^ (name.get(ValueLayout.JAVA_BYTE, i) & 0xFF)) * FNV_PRIME;
        }
        int slot = h & mask;
        while (true) {
            final int entry = table[slot];
            if (entry == EMPTY) {
                return MISSING;
            }
            if (this.nameLength[entry] == nameLength && sameName(entry, name)) {
                return entry;
            }
            slot = (slot + 1) & mask;
        }
    }

    private boolean sameName(int entry, MemorySegment name) {
        final int offset = nameOffset[entry];
        for (int i = 0; i < nameLength[entry]; i++) {
            if (names[offset + i] != name.get(ValueLayout.JAVA_BYTE, i)) {
                return false;
            }
        }
        return true;
    }

    private static int hash(byte[] bytes, int offset, int count) {
        int h = FNV_OFFSET;
        for (int i = 0; i < count; i++) {
            h = (h ^ (bytes[offset + i] & 0xFF)) * FNV_PRIME;
        }
        return h;
    }

    public long generation() {
        return generation;
    }

    public int size() {
        return nameOffset.length;
    }

    /** Bytes of content in the catalogue. */
    public long totalBytes() {
        return totalBytes;
    }

    /** Index of the drive (in the catalogue's device order) holding the entry's extent. */
    public int drive(int entry) {
        return drive[entry];
    }

    /** Drive byte address of the entry's first byte. */
    public long address(int entry) {
        return address[entry];
    }

    public long length(int entry) {
        return length[entry];
    }

    /** The media type, ASCII. Callers must not modify it. */
    public byte[] contentType(int entry) {
        return contentType[entry];
    }

    /** The strong entity tag with its quotes, ASCII. Callers must not modify it. */
    public byte[] etag(int entry) {
        return etag[entry];
    }

    public long lastModifiedSeconds(int entry) {
        return lastModifiedSeconds[entry];
    }

    /** The entry's name (for logs and tests, not the hot path). */
    public String name(int entry) {
        return new String(names, nameOffset[entry], nameLength[entry], StandardCharsets.UTF_8);
    }
}
