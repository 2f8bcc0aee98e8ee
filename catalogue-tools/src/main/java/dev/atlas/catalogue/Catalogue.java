package dev.atlas.catalogue;

import dev.atlas.catalogue.device.BlockDeviceOpener;
import dev.atlas.catalogue.device.BlockDevices;
import dev.atlas.catalogue.device.DeviceLock;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;

/**
 * The reader library: an open catalogue set, as the server and the CLI's reading commands use
 * it. Opening takes the devices' lock shared (so writers are refused while it is open), picks
 * each device's winning superblock and loads the committed index into a hash map.
 * {@link #refreshIfChanged()} notices a newer generation committed on device 0.
 * Not thread-safe: one owner thread (the server's management thread, or the CLI).
 */
public final class Catalogue implements AutoCloseable, Iterable<CatalogueEntry> {

    private final List<Path> paths;
    private final DeviceLock lock;
    private final DeviceSet set;
    private CatalogueSnapshot snapshot;

    private Catalogue(List<Path> paths, DeviceLock lock, DeviceSet set, CatalogueSnapshot snapshot) {
        this.paths = List.copyOf(paths);
        this.lock = lock;
        this.set = set;
        this.snapshot = snapshot;
    }

    /** Opens the set on these devices (any order) with direct I/O. */
    public static Catalogue open(List<Path> devices) {
        return open(devices, BlockDevices.defaultOpener());
    }

    public static Catalogue open(List<Path> devices, BlockDeviceOpener opener) {
        final DeviceLock lock = DeviceLock.acquire(devices, DeviceLock.Mode.SHARED);
        DeviceSet set = null;
        try {
            set = DeviceSet.open(devices, opener);
            return new Catalogue(devices, lock, set, CatalogueSnapshot.load(set));
        } catch (RuntimeException e) {
            if (set != null) {
                set.close();
            }
            lock.close();
            throw e;
        }
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

    @Override
    public void close() {
        try {
            set.close();
        } finally {
            lock.close();
        }
    }
}
