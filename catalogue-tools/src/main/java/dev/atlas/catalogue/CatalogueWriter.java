package dev.atlas.catalogue;

import dev.atlas.catalogue.device.BlockDevice;
import dev.atlas.catalogue.device.BlockDeviceOpener;
import dev.atlas.catalogue.device.BlockDevices;
import dev.atlas.catalogue.device.DeviceLock;
import dev.atlas.catalogue.error.CatalogueException;
import dev.atlas.catalogue.format.SuperblockDescriptor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;

/**
 * A write transaction on a catalogue set, holding the devices' lock exclusively.
 *
 * <p>Changes are staged: imported files are written at once into blocks that no committed
 * extent uses (nor the committed index), removals only drop names from the staged index.
 * {@link #commit()} makes them visible atomically: flush the data, write two copies of the new
 * index copy-on-write into free space on device 0, flush, then write generation + 1 into
 * superblock slot (generation + 1) mod 2 and flush — that single sector write is the commit point,
 * a crash before it leaves the old catalogue untouched — and then into the other slot, and flush,
 * so a healthy set holds its newest generation twice. What the other slot names (the
 * other copy, or the previous generation while a commit is under way or after one was cut short)
 * stays whole until the next commit is durable: its index and its files' blocks are withheld from
 * allocation, so a fallback superblock always points at a whole catalogue. A writer refuses to
 * open on a damaged set ({@link CatalogueHealth}): the operator decides first, with
 * {@code fsck --repair}.
 *
 * <p>The CLI {@link #open opens} a writer on a catalogue nobody serves. A server changes the
 * catalogue it serves through {@link Catalogue#beginUpdate}: that writer also keeps its hands
 * off every block the server may still be reading — the generations it still serves, and every
 * generation this writer started from or committed (the server may load those at any time) — so
 * blocks freed while it is open are reused only by a later update, once the server has let go.
 */
public final class CatalogueWriter implements AutoCloseable {

    private final DeviceSet set;
    private final LongSupplier clock;
    /** What {@link #close()} does with the lock: release it, or hand it back to the server shared. */
    private final Runnable unlock;
    /** Generations a server may still read; null when no server serves this catalogue. */
    private final List<CatalogueSnapshot> served;

    private CatalogueSnapshot base;
    /** What the other superblock slot names: kept whole until the next commit is durable; may be null. */
    private CatalogueSnapshot previous;
    /** The highest generation on device 0; the next commit is one more. */
    private long lastGeneration;

    private final TreeMap<String, CatalogueEntry> next = new TreeMap<>();
    /** Per device, the buffers {@link #writeFile} cycles through; null until the first import to it. */
    private final ImportRing[] importRings;

    private ExtentAllocator[] allocators;
    private long withheldBlocks;
    private boolean dirty;
    private boolean closed;

    private CatalogueWriter(
            DeviceSet set,
            CatalogueSnapshot base,
            CatalogueSnapshot previous,
            long lastGeneration,
            LongSupplier clock,
            Runnable unlock,
            List<CatalogueSnapshot> served) {
        this.set = set;
        this.clock = clock;
        this.unlock = unlock;
        this.served = served;
        this.importRings = new ImportRing[set.deviceCount()];
        this.lastGeneration = lastGeneration;
        adopt(base, previous);
    }

    private static CatalogueWriter healthy(DeviceSet set, Runnable unlock, List<CatalogueSnapshot> served) {
        final CatalogueHealth health = CatalogueHealth.assess(set);
        health.requireWritable(set);
        return new CatalogueWriter(
                set,
                health.newest(),
                health.fallback(),
                health.newest().generation(),
                System::currentTimeMillis,
                unlock,
                served);
    }

    /**
     * A writer that commits {@code keep} again, above every generation on device 0, so that both
     * superblock slots name whole copies of its entries ({@code fsck --repair}).
     */
    static CatalogueWriter forRepair(DeviceSet set, CatalogueSnapshot keep, long highestGeneration, Runnable unlock) {
        final CatalogueWriter w =
                new CatalogueWriter(set, keep, null, highestGeneration, System::currentTimeMillis, unlock, null);
        w.dirty = true;
        return w;
    }

    public static CatalogueWriter open(List<Path> devices) {
        return open(devices, BlockDevices.defaultOpener());
    }

    public static CatalogueWriter open(List<Path> devices, BlockDeviceOpener opener) {
        final DeviceLock lock = DeviceLock.acquire(devices, DeviceLock.Mode.EXCLUSIVE);
        DeviceSet set = null;
        try {
            set = DeviceSet.open(devices, opener);
            return healthy(set, lock::close, null);
        } catch (RuntimeException e) {
            if (set != null) {
                set.close();
            }
            lock.close();
            throw e;
        }
    }

    /**
     * A writer on a catalogue this process serves, under the serving catalogue's lock (already
     * upgraded), on its own {@code set} of the same devices; {@code unlock} runs on close.
     */
    static CatalogueWriter forServedCatalogue(
            DeviceSet set, Collection<CatalogueSnapshot> stillServed, Runnable unlock) {
        final CatalogueHealth health = CatalogueHealth.assess(set);
        health.requireWritable(set);
        final CatalogueSnapshot base = health.newest();
        for (CatalogueSnapshot s : stillServed) {
            if (!s.primary().setUuid().equals(base.primary().setUuid()) || s.deviceCount() != base.deviceCount()) {
                throw new IllegalArgumentException("a served snapshot of catalogue set "
                        + s.primary().setUuid() + " cannot be retained by an update of set "
                        + base.primary().setUuid());
            }
        }
        return new CatalogueWriter(
                set,
                base,
                health.fallback(),
                base.generation(),
                System::currentTimeMillis,
                unlock,
                new ArrayList<>(stillServed));
    }

    /** Starts over from a committed generation: {@code snapshot}, and {@code other}, the other slot's. */
    private void adopt(CatalogueSnapshot snapshot, CatalogueSnapshot other) {
        if (served != null && base != null) {
            // The server may already have loaded the generation this writer leaves behind.
            served.add(base);
        }
        previous = other;
        base = snapshot;
        next.clear();
        for (CatalogueEntry e : snapshot.entries()) {
            next.put(e.name(), e);
        }
        allocators = freeSpace();
        dirty = false;
    }

    /** Free space of the committed generation, less whatever a server may still be reading. */
    private ExtentAllocator[] freeSpace() {
        final ExtentAllocator[] free = base.allocators();
        withheldBlocks = previous == null ? 0 : previous.withholdFrom(free);
        if (served != null) {
            for (CatalogueSnapshot s : served) {
                withheldBlocks += s.withholdFrom(free);
            }
        }
        return free;
    }

    /** The committed generation this transaction started from (or last committed). */
    public CatalogueSnapshot committed() {
        return base;
    }

    /** The staged entry for a name, or null. */
    public CatalogueEntry staged(String name) {
        return next.get(name);
    }

    /** Number of staged entries. */
    public int stagedSize() {
        return next.size();
    }

    public DeviceSet deviceSet() {
        return set;
    }

    /**
     * Writes the files' bytes into free extents and stages their entries. Every name is checked
     * and every extent allocated before the first byte is written, so a bad name, a duplicate or
     * a full set fails the whole call without touching the devices. The entries are staged only
     * once every byte has been written, so a source that cannot be read or a failed write stages
     * none of the call's files.
     */
    public void importFiles(List<ImportItem> items, Progress progress) {
        try (ChunkHasher hasher = new ChunkHasher()) {
            importFiles(items, progress, hasher);
        }
    }

    /** {@link #importFiles(List, Progress)} hashing on {@code hasher}. */
    void importFiles(List<ImportItem> items, Progress progress, ChunkHasher hasher) {
        final Map<String, Path> names = new HashMap<>();
        final long[] lengths = new long[items.size()];
        long total = 0;
        for (int i = 0; i < items.size(); i++) {
            final ImportItem item = items.get(i);
            CatalogueNames.check(item.name());
            final Path first = names.putIfAbsent(item.name(), item.source());
            if (first != null) {
                throw new CatalogueException("two sources map to the name " + CatalogueNames.abbreviate(item.name())
                        + ": " + first + " and " + item.source() + "; import them under different --prefix values or"
                        + " rename one; nothing was imported");
            }
            if (next.containsKey(item.name())) {
                throw new CatalogueException("the name " + CatalogueNames.abbreviate(item.name())
                        + " is already in the catalogue; remove it first (`rm`) or import under another name");
            }
            try {
                lengths[i] = Files.size(item.source());
            } catch (IOException e) {
                throw new CatalogueException("cannot read " + item.source() + ": " + e.getMessage());
            }
            total += lengths[i];
        }
        final int[] devices = new int[items.size()];
        final long[] lbas = new long[items.size()];
        final ExtentAllocator[] before = snapshotAllocators();
        for (int i = 0; i < items.size(); i++) {
            final long blocks = blocks(lengths[i]);
            final int device = chooseDevice(blocks);
            if (device < 0) {
                allocators = before;
                throw full(items, lengths, total);
            }
            devices[i] = device;
            lbas[i] = allocators[device].allocate(blocks);
        }
        // The index of the next generation must still fit on device 0 after the data.
        final long indexBlocks = blocks(IndexCodec.encodedLength(next.values()) + projectedIndexBytes(items));
        if (allocators[0].piecesOf(indexBlocks) < SuperblockDescriptor.SLOT_COUNT) {
            allocators = before;
            throw new CatalogueFullException("not enough space: after these " + items.size() + " files the index ("
                    + indexBlocks + " blocks) would not fit on " + set.device(0).path()
                    + "; free space with `rm` or add a larger device 0");
        }
        // Chunks stay in flight from one file to the next; entries are staged once all are written.
        final long[] mtimes = new long[items.size()];
        final List<Future<byte[]>> digests = new ArrayList<>(items.size());
        progress.begin("import", total);
        progress.files(items.size());
        try {
            for (int i = 0; i < items.size(); i++) {
                mtimes[i] = mtimeOf(items.get(i).source());
                digests.add(writeFile(
                        items.get(i).source(), lengths[i], importRing(devices[i]), lbas[i], hasher, progress));
                progress.fileDone();
            }
            for (ImportRing ring : importRings) {
                if (ring != null) {
                    ring.drain();
                }
            }
        } catch (RuntimeException e) {
            throw afterWrites(hasher, e);
        } finally {
            progress.end();
        }
        for (int i = 0; i < items.size(); i++) {
            final ImportItem item = items.get(i);
            final byte[] sha = ChunkHasher.result(digests.get(i));
            next.put(
                    item.name(),
                    new CatalogueEntry(
                            item.name(),
                            lengths[i] == 0 ? 0 : devices[i],
                            lengths[i] == 0 ? 0 : lbas[i],
                            lengths[i],
                            ContentTypes.forName(item.name()),
                            sha,
                            CatalogueEntry.etagFor(sha),
                            mtimes[i]));
            dirty = true;
        }
    }

    private static long projectedIndexBytes(List<ImportItem> items) {
        long bytes = 0;
        for (ImportItem item : items) {
            bytes += dev.atlas.catalogue.format.IndexEntryDescriptor.entryLength(
                    IndexCodec.utf8(item.name()).length,
                    dev.atlas.catalogue.format.IndexEntryDescriptor.MAX_CONTENT_TYPE_BYTES,
                    dev.atlas.catalogue.format.IndexEntryDescriptor.MAX_ETAG_BYTES);
        }
        return bytes;
    }

    private CatalogueFullException full(List<ImportItem> items, long[] lengths, long total) {
        long freeBlocks = 0;
        long largest = 0;
        for (ExtentAllocator a : allocators) {
            freeBlocks += a.freeBlocks();
            largest = Math.max(largest, a.largestFreeExtent());
        }
        int biggest = 0;
        for (int i = 1; i < lengths.length; i++) {
            if (lengths[i] > lengths[biggest]) {
                biggest = i;
            }
        }
        final long blockSize = CatalogueLayout.BLOCK_SIZE;
        final String withheld = withheldBlocks == 0
                ? ""
                : "; another " + Sizes.human(withheldBlocks * blockSize)
                        + " are held for "
                        + (served == null
                                ? "the other superblock slot's generation, kept whole until" + " the next commit"
                                : "the other superblock slot and older generations still being served,"
                                        + " free once their responses are done");
        return new CatalogueFullException("not enough space: this import needs " + Sizes.human(total) + " for "
                + items.size() + " file(s) (the largest, "
                + CatalogueNames.abbreviate(items.get(biggest).name())
                + ", needs " + Sizes.human(lengths[biggest]) + " in one piece), but the set has "
                + Sizes.human(freeBlocks * blockSize) + " free and its largest free extent is "
                + Sizes.human(largest * blockSize) + withheld + "; nothing was imported — free space with `rm` or add"
                + " a device");
    }

    /** The device with the most free space among those with a free extent large enough. */
    private int chooseDevice(long blocks) {
        int best = -1;
        for (int d = 0; d < allocators.length; d++) {
            if (allocators[d].largestFreeExtent() >= blocks
                    && (best < 0 || allocators[d].freeBlocks() > allocators[best].freeBlocks())) {
                best = d;
            }
        }
        return best;
    }

    private ExtentAllocator[] snapshotAllocators() {
        // Rebuilding is cheaper to reason about than undoing: committed extents plus staged ones.
        final ExtentAllocator[] copy = freeSpace();
        for (CatalogueEntry e : next.values()) {
            if (base.lookup(e.name()) != e) {
                copy[e.device()].reserve(e.firstLba(), e.blocks(CatalogueLayout.BLOCK_SIZE));
            }
        }
        return copy;
    }

    /**
     * Starts copying one source into its extent and returns its SHA-256 to come. Each chunk is read
     * from the source into the device's next import buffer, then written to the device and hashed
     * (on the hasher's thread) at the same time; the last chunks may still be in flight when this
     * returns.
     */
    private Future<byte[]> writeFile(
            Path source, long length, ImportRing ring, long lba, ChunkHasher hasher, Progress progress) {
        final BlockDevice target = ring.device();
        final int blockSize = target.blockSize();
        hasher.begin();
        try (SourceFile in = SourceFile.open(source)) {
            long done = 0;
            long at = lba;
            while (done < length) {
                final MemorySegment buffer = ring.take();
                final ByteBuffer bytes = buffer.asByteBuffer();
                final int want = (int) Math.min(buffer.byteSize(), length - done);
                final int got = in.read(bytes, done, want, blockSize);
                if (got < want) {
                    throw new CatalogueException(source + " shrank while it was being imported (" + (done + got)
                            + " of " + length + " bytes); nothing was committed — import it again");
                }
                final long chunkBlocks = (got + blockSize - 1) / blockSize;
                buffer.asSlice(got, chunkBlocks * blockSize - got).fill((byte) 0);
                final long ticket = target.startWrite(at, buffer.asSlice(0, chunkBlocks * blockSize));
                ring.inFlight(ticket, hasher.update(bytes.clear().limit(got)));
                progress.advance(got);
                done += got;
                at += chunkBlocks;
            }
        } catch (IOException e) {
            throw new CatalogueException("cannot read " + source + ": " + e.getMessage() + "; nothing was committed");
        }
        return hasher.finish();
    }

    /** Lets the writes and hashes in flight finish (the buffers are reused), keeping {@code failure} first. */
    private RuntimeException afterWrites(ChunkHasher hasher, RuntimeException failure) {
        hasher.drain();
        for (ImportRing ring : importRings) {
            if (ring != null) {
                try {
                    ring.drain();
                } catch (RuntimeException also) {
                    failure.addSuppressed(also);
                }
            }
        }
        return failure;
    }

    /** The device's import buffers, allocated on first use and released with the device. */
    private ImportRing importRing(int device) {
        if (importRings[device] == null) {
            importRings[device] = new ImportRing(set.device(device));
        }
        return importRings[device];
    }

    /**
     * Stages the removal of a name.
     *
     * @throws CatalogueException when the name is not in the catalogue
     */
    public void remove(String name) {
        if (next.remove(name) == null) {
            throw new CatalogueException("no file named " + CatalogueNames.abbreviate(name) + " in the catalogue"
                    + " (see `atlas-catalogue ls`); nothing was removed");
        }
        dirty = true;
    }

    /** True when something is staged that {@link #commit()} would make visible. */
    public boolean dirty() {
        return dirty;
    }

    /**
     * Makes the staged changes the catalogue's next generation, atomically.
     *
     * @return the committed generation
     */
    public long commit() {
        if (!dirty) {
            return base.generation();
        }
        for (int d = 0; d < set.deviceCount(); d++) {
            set.device(d).flush();
        }
        final Superblock old = base.primary();
        final long generation = lastGeneration + 1;
        final List<CatalogueEntry> entries = new ArrayList<>(next.values());
        final MemorySegment index = IndexCodec.encode(generation, old.setUuid(), entries);
        final long indexBytes = index.byteSize();
        final long indexBlocks = blocks(indexBytes);
        // Two copies of the index, one per superblock slot, both in blocks that neither generation
        // now on the device uses: until the second slot is written the first still names a whole one.
        final long[] copies = new long[SuperblockDescriptor.SLOT_COUNT];
        for (int c = 0; c < copies.length; c++) {
            copies[c] = allocators[0].allocate(indexBlocks);
            if (copies[c] < 0) {
                allocators = snapshotAllocators();
                throw new CatalogueFullException("no room for the new index (" + copies.length + " copies of "
                        + indexBlocks + " blocks) on " + set.device(0).path() + "; nothing was committed — free space"
                        + " with `rm`");
            }
        }
        final BlockDevice primary = set.device(0);
        for (long lba : copies) {
            writeIndex(primary, index, lba);
        }
        primary.flush();

        final int firstSlot = SuperblockDescriptor.slotOf(generation);
        final int crc = IndexCodec.crc(index, indexBytes);
        final long now = clock.getAsLong();
        final Superblock[] committed = new Superblock[copies.length];
        final MemorySegment block = set.transferBuffer(0).asSlice(0, primary.blockSize());
        for (int c = 0; c < copies.length; c++) {
            // The commit point is the first slot's write; the second makes the new generation
            // redundant, overwriting the older generation only once the new one is durable.
            committed[c] = old.nextGeneration(generation, copies[c], indexBytes, entries.size(), crc, now);
            committed[c].encode(block);
            primary.write((firstSlot + c) % SuperblockDescriptor.SLOT_COUNT, block);
            primary.flush();
        }

        final Superblock reread = set.rereadPrimary();
        if (reread.generation() != generation
                || set.slots(0).runnerUp() == null
                || set.slots(0).runnerUp().generation() != generation) {
            throw new CatalogueException("the commit of generation " + generation + " did not persist on "
                    + primary.path() + " (it reads back generation " + reread.generation() + "); check the device");
        }
        final long[] deviceBlocks = new long[set.deviceCount()];
        for (int d = 0; d < deviceBlocks.length; d++) {
            deviceBlocks[d] = set.superblock(d).deviceBlocks();
        }
        lastGeneration = generation;
        adopt(
                new CatalogueSnapshot(committed[0], deviceBlocks, entries),
                new CatalogueSnapshot(committed[1], deviceBlocks, entries));
        return generation;
    }

    private void writeIndex(BlockDevice primary, MemorySegment index, long lba) {
        final MemorySegment buffer = set.transferBuffer(0);
        final int blockSize = primary.blockSize();
        final long indexBytes = index.byteSize();
        long written = 0;
        long at = lba;
        while (written < indexBytes) {
            final long chunk = Math.min(buffer.byteSize(), indexBytes - written);
            final long chunkBlocks = (chunk + blockSize - 1) / blockSize;
            MemorySegment.copy(index, written, buffer, 0, chunk);
            buffer.asSlice(chunk, chunkBlocks * blockSize - chunk).fill((byte) 0);
            primary.write(at, buffer.asSlice(0, chunkBlocks * blockSize));
            written += chunk;
            at += chunkBlocks;
        }
    }

    private static long blocks(long bytes) {
        return (bytes + CatalogueLayout.BLOCK_SIZE - 1) / CatalogueLayout.BLOCK_SIZE;
    }

    private static long mtimeOf(Path source) {
        try {
            return Files.getLastModifiedTime(source).toMillis();
        } catch (IOException e) {
            throw new CatalogueException("cannot read " + source + ": " + e.getMessage());
        }
    }

    /**
     * Drops anything uncommitted and releases the devices and the lock; a writer on a served
     * catalogue hands the lock back to the server shared instead. Closing again does nothing.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            set.close();
        } finally {
            unlock.run();
        }
    }
}
