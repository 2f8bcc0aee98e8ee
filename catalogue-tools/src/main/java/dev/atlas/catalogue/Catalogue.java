package dev.atlas.catalogue;

import dev.atlas.catalogue.device.BlockDeviceOpener;
import dev.atlas.catalogue.device.BlockDevices;
import dev.atlas.catalogue.device.DeviceLock;
import dev.atlas.catalogue.error.CatalogueBusyException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;

/**
 * The reader library: an open catalogue set, as the server and the CLI's reading commands use
 * it. Opening takes the devices' lock shared (so writers are refused while it is open), picks
 * each device's winning superblock and loads the committed index into a hash map.
 * {@link #refreshIfChanged()} notices a newer generation committed on device 0, such as one
 * committed through {@link #beginUpdate}, the way a server changes the catalogue it serves.
 * Not thread-safe: one owner thread (the server's management thread, or the CLI).
 */
public final class Catalogue implements AutoCloseable, Iterable<CatalogueEntry> {

    private final List<Path> paths;
    private final BlockDeviceOpener opener;
    private final DeviceLock lock;
    private final DeviceSet set;
    private CatalogueSnapshot snapshot;
    /** Damage found when the catalogue was opened, one sentence each; writes are refused while any. */
    private final List<String> damage;
    /** The open {@link #beginUpdate update}, or null. */
    private CatalogueWriter update;

    private Catalogue(
            List<Path> paths, BlockDeviceOpener opener, DeviceLock lock, DeviceSet set, CatalogueHealth health) {
        this.damage = health.problems();
        final CatalogueSnapshot snapshot = health.readable();
        this.paths = List.copyOf(paths);
        this.opener = opener;
        this.lock = lock;
        this.set = set;
        this.snapshot = snapshot;
    }

    /**
     * Opens the set on these devices (any order) with direct I/O. A set with a damaged superblock
     * slot or a damaged previous generation still opens (its newest generation is whole), with the
     * damage in {@link #damage()}; one whose newest index is damaged does not.
     *
     * @throws CatalogueDamagedException when the newest generation cannot be read, saying whether
     *                                   {@code fsck --repair} can fall back to the previous one
     */
    public static Catalogue open(List<Path> devices) {
        return open(devices, BlockDevices.defaultOpener());
    }

    public static Catalogue open(List<Path> devices, BlockDeviceOpener opener) {
        final DeviceLock lock = DeviceLock.acquire(devices, DeviceLock.Mode.SHARED);
        DeviceSet set = null;
        try {
            set = DeviceSet.open(devices, opener);
            return new Catalogue(devices, opener, lock, set, CatalogueHealth.assess(set));
        } catch (RuntimeException e) {
            if (set != null) {
                set.close();
            }
            lock.close();
            throw e;
        }
    }

    /**
     * Damage found when the catalogue was opened, one sentence each (which device, which slot or
     * generation, what to do); empty when it is healthy. While it is not empty, {@link #beginUpdate}
     * and every writer refuse, and the operator decides with {@code atlas-catalogue fsck --repair}.
     */
    public List<String> damage() {
        return damage;
    }

    /** O(1); null when the name is not in the catalogue. */
    public CatalogueEntry lookup(String name) {
        return snapshot.lookup(name);
    }

    /** Entries sorted by name. */
    public List<CatalogueEntry> entries() {
        return snapshot.entries();
    }

    @Override
    public Iterator<CatalogueEntry> iterator() {
        return snapshot.entries().iterator();
    }

    public int size() {
        return snapshot.size();
    }

    public long generation() {
        return snapshot.generation();
    }

    public CatalogueSnapshot snapshot() {
        return snapshot;
    }

    public int deviceCount() {
        return set.deviceCount();
    }

    /** Path of the device with this index in the set. */
    public Path devicePath(int device) {
        return set.device(device).path();
    }

    /** The paths as given to {@link #open}. */
    public List<Path> paths() {
        return paths;
    }

    DeviceSet deviceSet() {
        return set;
    }

    /**
     * Re-reads device 0's superblocks; if a newer generation was committed, loads its index.
     *
     * @return true when the catalogue changed
     */
    public boolean refreshIfChanged() {
        final long before = snapshot.generation();
        final Superblock now = set.rereadPrimary();
        if (now.generation() == before) {
            return false;
        }
        snapshot = CatalogueSnapshot.load(set);
        return true;
    }

    /**
     * Starts a write transaction on this catalogue while it stays open and served: the lock it
     * holds shared is upgraded to exclusive in place until the writer is closed, then handed back
     * shared. The writer never allocates blocks that this catalogue's current snapshot or any of
     * {@code stillServed} uses (files and index), so responses still streaming from an older
     * generation keep reading their bytes. After the writer's commit and close,
     * {@link #refreshIfChanged()} loads the new generation.
     *
     * @param stillServed older snapshots that responses in flight may still read from
     * @throws CatalogueBusyException if another reader has the devices open (the lock stays
     *                                shared), or an update of this catalogue is already open
     */
    public CatalogueWriter beginUpdate(Collection<CatalogueSnapshot> stillServed) {
        if (update != null) {
            throw new CatalogueBusyException("an update of the catalogue on " + paths.get(0)
                    + " is already in progress; commit and close it before starting another");
        }
        lock.upgrade();
        DeviceSet writerSet = null;
        try {
            // Devices of its own, so the writer's transfer buffers and its close() leave ours alone.
            writerSet = DeviceSet.open(paths, opener);
            final List<CatalogueSnapshot> served = new ArrayList<>(stillServed);
            served.add(snapshot);
            update = CatalogueWriter.forServedCatalogue(writerSet, served, this::endUpdate);
            return update;
        } catch (RuntimeException e) {
            if (writerSet != null) {
                writerSet.close();
            }
            lock.downgrade();
            throw e;
        }
    }

    /** True while a writer from {@link #beginUpdate} is open. */
    public boolean updating() {
        return update != null;
    }

    private void endUpdate() {
        update = null;
        lock.downgrade();
    }

    /** Streams the file's bytes to {@code sink}, one transfer buffer at a time. */
    public void read(CatalogueEntry entry, ChunkSink sink, Progress progress) {
        ExtentReader.read(set, entry, sink, progress);
    }

    /** SHA-256 of the file's bytes as they are on the device now. */
    public byte[] digest(CatalogueEntry entry, Progress progress) {
        return ExtentReader.digest(set, entry, progress);
    }

    /** True when the bytes on the device still hash to the digest the index recorded. */
    public boolean verify(CatalogueEntry entry, Progress progress) {
        return ExtentReader.verify(set, entry, progress);
    }

    /** Closes the devices and releases the lock, dropping an open update's uncommitted changes. */
    @Override
    public void close() {
        try {
            if (update != null) {
                update.close();
            }
        } finally {
            try {
                set.close();
            } finally {
                lock.close();
            }
        }
    }
}
