package dev.atlas.catalogue;

import dev.atlas.catalogue.error.CatalogueException;

import dev.atlas.catalogue.device.BlockDeviceOpener;
import dev.atlas.catalogue.device.BlockDevices;
import dev.atlas.catalogue.device.DeviceLock;
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

    private Fsck() {
    }

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
            final CatalogueSnapshot snapshot;
            try {
                snapshot = CatalogueSnapshot.load(set);
            } catch (CatalogueFormatException e) {
                problems.add(e.getMessage());
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
                    problems.add("entry " + CatalogueNames.abbreviate(e.name()) + ": its ETag does not match its SHA-256");
                }
                if (e.contentType().isEmpty()) {
                    problems.add("entry " + CatalogueNames.abbreviate(e.name()) + ": no content type");
                }
            }
            final ExtentAllocator[] free = snapshot.allocators();
            for (int d = 0; d < free.length; d++) {
                notes.add("device " + d + " (" + set.device(d).path() + "): " + Sizes.human(free[d].freeBlocks()
                        * CatalogueLayout.BLOCK_SIZE) + " free in " + free[d].freeExtentCount() + " extents");
            }
            notes.add("generation " + snapshot.generation() + ", " + snapshot.size() + " files, " + Sizes.human(bytes));
            if (data) {
                verifyData(set, snapshot, bytes, progress, problems);
            }
            return new Report(problems, notes, snapshot.size(), bytes);
        }
    }

    private static void checkSlots(DeviceSet set, int d, List<String> problems, List<String> notes) {
        final SuperblockSlots slots = set.slots(d);
        final Superblock winner = slots.winner();
        final String name = "device " + d + " (" + set.device(d).path() + ")";
        if (SuperblockDescriptor.slotOf(winner.generation()) != slotIndexOf(slots, winner)) {
            problems.add(name + ": generation " + winner.generation() + " sits in the wrong superblock slot");
        }
        for (int slot = 0; slot < SuperblockDescriptor.SLOT_COUNT; slot++) {
            final Superblock sb = slots.valid()[slot];
            if (sb == null) {
                // An invalid older slot is normal: after format, or after a commit cut short.
                notes.add(name + " slot " + slot + ": not in use (" + slots.problems()[slot] + ")");
            } else if (!sb.setUuid().equals(winner.setUuid()) || sb.deviceIndex() != winner.deviceIndex()) {
                notes.add(name + " slot " + slot + ": stale superblock of another set (generation "
                        + sb.generation() + "), ignored");
            } else {
                notes.add(name + " slot " + slot + ": generation " + sb.generation() + (sb == winner ? " (current)" : ""));
            }
        }
    }

    private static int slotIndexOf(SuperblockSlots slots, Superblock sb) {
        return slots.valid()[0] == sb ? 0 : 1;
    }

    private static void verifyData(DeviceSet set, CatalogueSnapshot snapshot, long total, Progress progress,
                                   List<String> problems) {
        progress.begin("fsck --data", total);
        try {
            for (CatalogueEntry e : snapshot.entries()) {
                if (!ExtentReader.verify(set, e, progress)) {
                    problems.add("entry " + CatalogueNames.abbreviate(e.name()) + ": content does not match its SHA-256");
                }
            }
        } finally {
            progress.end();
        }
    }
}
