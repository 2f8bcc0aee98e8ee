package dev.atlas.catalogue;

import dev.atlas.catalogue.device.BlockDeviceOpener;
import dev.atlas.catalogue.device.BlockDevices;
import dev.atlas.catalogue.device.DeviceLock;
import dev.atlas.catalogue.error.CatalogueException;
import dev.atlas.catalogue.format.SuperblockDescriptor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a catalogue set's structure: both superblock slots of every device (checksums,
 * generations, the slot each generation belongs in), set membership, the index (checksum,
 * every field), every extent inside its device and no two extents overlapping, and the derived
 * fields of each entry. With {@code data} it also re-hashes every file against the index.
 */
public final class Fsck {

    /** What fsck found: problems make it fail, notes are information. */
    public record Report(List<String> problems, List<String> notes, long files, long bytes) {

        public boolean clean() {
            return problems.isEmpty();
        }
    }

    private Fsck() {}

    public static Report check(List<Path> paths, boolean data, Progress progress) {
        return check(paths, data, progress, BlockDevices.defaultOpener());
    }

    public static Report check(List<Path> paths, boolean data, Progress progress, BlockDeviceOpener opener) {
        final List<String> problems = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        try (DeviceLock lock = DeviceLock.acquire(paths, DeviceLock.Mode.SHARED);
                DeviceSet set = DeviceSet.open(paths, opener)) {
            for (int d = 0; d < set.deviceCount(); d++) {
                checkSlots(set, d, problems, notes);
            }
            final CatalogueHealth health = CatalogueHealth.assess(set);
            problems.addAll(health.problems());
            if (health.fallback() != null) {
                notes.add("previous generation " + health.fallback().generation() + " ("
                        + health.fallback().size() + " files) is whole: a fallback exists");
            }
            final CatalogueSnapshot snapshot = health.newest();
            if (snapshot == null) {
                return new Report(problems, notes, 0, 0);
            }
            long bytes = 0;
            for (CatalogueEntry e : snapshot.entries()) {
                bytes += e.length();
                try {
                    CatalogueNames.check(e.name());
                } catch (CatalogueException bad) {
                    problems.add("entry " + CatalogueNames.abbreviate(e.name()) + ": " + bad.getMessage());
                }
                if (!e.etag().equals(CatalogueEntry.etagFor(e.sha256()))) {
                    problems.add(
                            "entry " + CatalogueNames.abbreviate(e.name()) + ": its ETag does not match its SHA-256");
                }
                if (e.contentType().isEmpty()) {
                    problems.add("entry " + CatalogueNames.abbreviate(e.name()) + ": no content type");
                }
            }
            final ExtentAllocator[] free = snapshot.allocators();
            for (int d = 0; d < free.length; d++) {
                notes.add("device " + d + " (" + set.device(d).path() + "): "
                        + Sizes.human(free[d].freeBlocks() * CatalogueLayout.BLOCK_SIZE) + " free in "
                        + free[d].freeExtentCount() + " extents");
            }
            notes.add("generation " + snapshot.generation() + ", " + snapshot.size() + " files, " + Sizes.human(bytes));
            if (data) {
                verifyData(set, snapshot, bytes, progress, problems);
            }
            return new Report(problems, notes, snapshot.size(), bytes);
        }
    }

    /**
     * Repairs what {@link #check} reports as damage, choosing explicitly what the operator accepts:
     * a member's damaged superblock slot is rewritten from its intact copy; on device 0 the newest
     * whole generation is kept (the newest copy whose index is whole, else the previous generation)
     * and committed again above every generation on the device, into both slots. A newer
     * generation whose superblock or index was damaged, with no whole copy, is given up.
     *
     * @return what was done, one sentence each (empty when nothing was damaged)
     * @throws CatalogueDamagedException when no generation on device 0 is whole
     */
    public static List<String> repair(List<Path> paths) {
        return repair(paths, BlockDevices.defaultOpener());
    }

    /** {@link #repair(List)} through {@code opener}. */
    public static List<String> repair(List<Path> paths, BlockDeviceOpener opener) {
        final List<String> done = new ArrayList<>();
        final DeviceLock lock = DeviceLock.acquire(paths, DeviceLock.Mode.EXCLUSIVE);
        DeviceSet set = null;
        boolean lockHandedOver = false;
        try {
            set = DeviceSet.open(paths, opener);
            final CatalogueHealth health = CatalogueHealth.assess(set);
            if (health.healthy()) {
                set.close();
                lock.close();
                return done;
            }
            final CatalogueSnapshot keep = health.newest() != null ? health.newest() : health.fallback();
            if (keep == null) {
                throw new CatalogueDamagedException("no generation on "
                        + set.device(0).path() + " is whole ("
                        + health.problems().get(0) + "); fsck --repair cannot choose one: restore the device from a"
                        + " backup, or format the set and import the content again");
            }
            for (int d = 1; d < set.deviceCount(); d++) {
                rewriteMemberSlots(set, d, done);
            }
            final SuperblockSlots primary = set.slots(0);
            final boolean primaryDamaged =
                    health.newestError() != null || primary.runnerUp() == null || health.fallback() == null;
            if (!primaryDamaged) {
                set.close();
                lock.close();
                return done;
            }
            final long top = primary.winner().generation();
            final DeviceSet writerSet = set;
            final CatalogueWriter writer = CatalogueWriter.forRepair(writerSet, keep, top, lock::close);
            set = null; // the writer closes the devices and the lock from here on
            lockHandedOver = true;
            try (writer) {
                final long generation = writer.commit();
                done.add("device 0 (" + writerSet.device(0).path() + "): kept generation " + keep.generation() + " ("
                        + keep.size() + " files)"
                        + (keep.generation() < top ? ", giving up the damaged generation " + top : "")
                        + ", and committed it again as generation " + generation
                        + ", so both superblock slots name whole copies of it");
            }
            return done;
        } catch (RuntimeException e) {
            if (set != null) {
                set.close();
            }
            if (!lockHandedOver) {
                lock.close();
            }
            throw e;
        }
    }

    private static void rewriteMemberSlots(DeviceSet set, int d, List<String> done) {
        final SuperblockSlots slots = set.slots(d);
        final var device = set.device(d);
        final java.lang.foreign.MemorySegment block = set.transferBuffer(d).asSlice(0, device.blockSize());
        boolean wrote = false;
        for (int slot = 0; slot < SuperblockDescriptor.SLOT_COUNT; slot++) {
            if (slots.damage(slot) != null) {
                slots.winner().encode(block);
                device.write(slot, block);
                wrote = true;
                done.add("device " + d + " (" + device.path() + "): rewrote superblock slot " + slot
                        + " from its intact copy");
            }
        }
        if (wrote) {
            device.flush();
        }
    }

    private static void checkSlots(DeviceSet set, int d, List<String> problems, List<String> notes) {
        final SuperblockSlots slots = set.slots(d);
        final Superblock winner = slots.winner();
        final String name = "device " + d + " (" + set.device(d).path() + ")";
        for (int slot = 0; slot < SuperblockDescriptor.SLOT_COUNT; slot++) {
            final Superblock sb = slots.valid()[slot];
            if (slots.damage(slot) != null) {
                // CatalogueHealth reports it as a problem, with what to do.
                notes.add(name + " slot " + slot + ": damaged (" + slots.damage(slot) + ")");
            } else {
                notes.add(name + " slot " + slot + ": generation " + sb.generation()
                        + (sb == winner ? " (current)" : ""));
            }
        }
    }

    private static void verifyData(
            DeviceSet set, CatalogueSnapshot snapshot, long total, Progress progress, List<String> problems) {
        progress.begin("fsck --data", total);
        progress.files(snapshot.size());
        try {
            for (CatalogueEntry e : snapshot.entries()) {
                if (!ExtentReader.verify(set, e, progress)) {
                    problems.add(
                            "entry " + CatalogueNames.abbreviate(e.name()) + ": content does not match its SHA-256");
                }
                progress.fileDone();
            }
        } finally {
            progress.end();
        }
    }
}
