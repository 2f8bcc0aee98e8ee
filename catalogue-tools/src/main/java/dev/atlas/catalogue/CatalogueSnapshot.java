package dev.atlas.catalogue;

import dev.atlas.catalogue.format.SuperblockDescriptor;
import java.lang.foreign.MemorySegment;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One committed generation of a catalogue: device 0's superblock and the index it names,
 * decoded, checked (every extent inside its device, no two extents overlapping) and held in a
 * hash map for O(1) lookup. Immutable; a newer generation is a new snapshot.
 */
public final class CatalogueSnapshot {

    private final Superblock primary;
    private final long[] deviceBlocks;
    private final List<CatalogueEntry> entries;
    private final Map<String, CatalogueEntry> byName;

    CatalogueSnapshot(Superblock primary, long[] deviceBlocks, List<CatalogueEntry> entries) {
        this.primary = primary;
        this.deviceBlocks = deviceBlocks.clone();
        this.entries = Collections.unmodifiableList(entries);
        final Map<String, CatalogueEntry> map = new HashMap<>(entries.size() * 2);
        for (CatalogueEntry e : entries) {
            map.put(e.name(), e);
        }
        this.byName = map;
    }

    /** Reads and checks the generation that device 0's winning superblock commits. */
    static CatalogueSnapshot load(DeviceSet set) {
        return load(set, set.primary());
    }

    /** Reads and checks the generation that {@code primary}, a superblock of device 0, commits. */
    static CatalogueSnapshot load(DeviceSet set, Superblock primary) {
        final MemorySegment index = readIndex(set, primary);
        final String where = set.device(0).path().toString();
        final List<CatalogueEntry> entries = IndexCodec.decode(index, primary, where);
        final long[] blocks = new long[set.deviceCount()];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = set.superblock(i).deviceBlocks();
        }
        final CatalogueSnapshot snapshot = new CatalogueSnapshot(primary, blocks, entries);
        final String overlap = snapshot.firstStructuralProblem();
        if (overlap != null) {
            throw new CatalogueFormatException("generation " + primary.generation() + " of the catalogue on " + where
                    + " is inconsistent: " + overlap);
        }
        return snapshot;
    }

    /** Reads the index extent of {@code primary} from device 0 into a heap segment. */
    static MemorySegment readIndex(DeviceSet set, Superblock primary) {
        final MemorySegment index = MemorySegment.ofArray(new byte[(int) primary.indexBytes()]);
        final MemorySegment buffer = set.transferBuffer(0);
        final int blockSize = primary.blockSize();
        long copied = 0;
        long lba = primary.indexLba();
        while (copied < primary.indexBytes()) {
            final long chunk = Math.min(buffer.byteSize(), primary.indexBytes() - copied);
            final long chunkBlocks = (chunk + blockSize - 1) / blockSize;
            set.device(0).read(lba, buffer.asSlice(0, chunkBlocks * blockSize));
            MemorySegment.copy(buffer, 0, index, copied, chunk);
            copied += chunk;
            lba += chunkBlocks;
        }
        return index;
    }

    /**
     * Builds the free-space map of every device: all blocks except the superblock slots, the
     * index extent and the files' extents.
     *
     * @return the allocators, or throws when an extent is outside its device or overlaps another
     */
    ExtentAllocator[] allocators() {
        final ExtentAllocator[] allocators = new ExtentAllocator[deviceBlocks.length];
        for (int i = 0; i < allocators.length; i++) {
            allocators[i] = new ExtentAllocator(SuperblockDescriptor.FIRST_DATA_LBA, deviceBlocks[i]);
        }
        final String problem = reserveAll(allocators);
        if (problem != null) {
            throw new CatalogueFormatException(
                    "the catalogue is inconsistent: " + problem + "; run `atlas-catalogue fsck`");
        }
        return allocators;
    }

    /**
     * Withholds this generation's blocks (its index and its files' extents) from the free space
     * of a newer one, for as long as a server may still read them.
     *
     * @return how many blocks were free in {@code allocators} and are now withheld
     */
    long withholdFrom(ExtentAllocator[] allocators) {
        long withheld = allocators[0].withhold(primary.indexLba(), primary.indexBlocks());
        for (CatalogueEntry e : entries) {
            withheld += allocators[e.device()].withhold(e.firstLba(), e.blocks(primary.blockSize()));
        }
        return withheld;
    }

    private String firstStructuralProblem() {
        final ExtentAllocator[] allocators = new ExtentAllocator[deviceBlocks.length];
        for (int i = 0; i < allocators.length; i++) {
            allocators[i] = new ExtentAllocator(SuperblockDescriptor.FIRST_DATA_LBA, deviceBlocks[i]);
        }
        return reserveAll(allocators);
    }

    private String reserveAll(ExtentAllocator[] allocators) {
        if (!allocators[0].reserve(primary.indexLba(), primary.indexBlocks())) {
            return "the index extent is outside device 0";
        }
        final int blockSize = primary.blockSize();
        for (CatalogueEntry e : entries) {
            if (e.length() > 0
                    && (e.firstLba() < SuperblockDescriptor.FIRST_DATA_LBA
                            || !allocators[e.device()].reserve(e.firstLba(), e.blocks(blockSize)))) {
                return "the extent of '" + e.name() + "' (device " + e.device() + ", LBA " + e.firstLba() + ", "
                        + e.blocks(blockSize) + " blocks) lies outside its device or overlaps another extent";
            }
        }
        return null;
    }

    public Superblock primary() {
        return primary;
    }

    public long generation() {
        return primary.generation();
    }

    /** Entries in index order (sorted by name). */
    public List<CatalogueEntry> entries() {
        return entries;
    }

    /** O(1) lookup; null when the name is not in the catalogue. */
    public CatalogueEntry lookup(String name) {
        return byName.get(name);
    }

    public int size() {
        return entries.size();
    }

    public int deviceCount() {
        return deviceBlocks.length;
    }

    public long deviceBlocks(int device) {
        return deviceBlocks[device];
    }
}
