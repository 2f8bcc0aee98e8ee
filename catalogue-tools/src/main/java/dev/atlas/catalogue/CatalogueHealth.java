package dev.atlas.catalogue;

import dev.atlas.catalogue.format.SuperblockDescriptor;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the superblock slots and the two index copies on device 0 say about an open set: the
 * newest generation (if its index is whole), what the other slot names to fall back to (the
 * other copy of the newest generation, or the previous generation after a cut-short commit),
 * and every kind of damage as a sentence for the operator. Readers, writers, fsck and repair all
 * judge a set through this one assessment, so they agree on what is damaged.
 *
 * @param newest   the newest generation of device 0 read from a whole index copy, or null
 * @param fallback what the other slot of device 0 names, or null when it is damaged
 * @param problems damage, one sentence each; empty when the set is healthy
 * @param newestError why the newest generation could not be read, or null
 */
public record CatalogueHealth(
        CatalogueSnapshot newest, CatalogueSnapshot fallback, List<String> problems, String newestError) {

    /** Assesses an open set (reads the index of both generations on device 0). */
    static CatalogueHealth assess(DeviceSet set) {
        final List<String> problems = new ArrayList<>();
        final SuperblockSlots primary = set.slots(0);
        final Superblock top = primary.winner();
        final Superblock previous = primary.runnerUp();
        CatalogueSnapshot newest = null;
        String newestError = null;
        try {
            newest = CatalogueSnapshot.load(set, top);
        } catch (CatalogueFormatException e) {
            newestError = e.getMessage();
        }
        CatalogueSnapshot fallback = null;
        String fallbackError = null;
        if (previous != null) {
            try {
                fallback = CatalogueSnapshot.load(set, previous);
            } catch (CatalogueFormatException e) {
                fallbackError = e.getMessage();
            }
        }
        final String where = "device 0 (" + set.device(0).path() + ")";
        if (newestError != null) {
            problems.add(newestError
                    + (fallback == null
                            ? "; no other generation on it is whole: restore the device from a backup"
                            : fallback.generation() == top.generation()
                                    ? "; the other copy of generation " + top.generation()
                                            + " is whole and is read instead, but writes"
                                            + " are refused until `atlas-catalogue fsck --repair` restores the damaged copy from it (nothing is"
                                            + " lost)"
                                    : "; the previous generation " + fallback.generation() + " (" + describe(fallback)
                                            + ") is whole:"
                                            + " `atlas-catalogue fsck --repair` falls back to it, losing what generation "
                                            + top.generation()
                                            + " changed, or restore the device from a backup"));
        }
        for (int slot = 0; slot < SuperblockDescriptor.SLOT_COUNT; slot++) {
            final String why = primary.damage(slot);
            if (why != null) {
                problems.add(where + ": superblock slot " + slot + " is damaged (" + why + "), so a newer catalogue"
                        + " than generation " + top.generation() + " may have been lost (only if a commit was cut"
                        + " short before it reached both slots); writes are refused until you choose:"
                        + " `atlas-catalogue fsck --repair` accepts generation " + top.generation() + " ("
                        + (newest != null ? describe(newest) : "damaged") + "), or restore the device from a backup");
            }
        }
        if (fallbackError != null && newest != null) {
            problems.add(where + ": the other superblock slot's "
                    + (previous.generation() == top.generation() ? "copy of generation " : "generation ")
                    + previous.generation() + ", kept to fall back to, is damaged (" + fallbackError
                    + "); `atlas-catalogue fsck --repair` writes generation " + newest.generation()
                    + " again into both slots");
        }
        if (newest == null && fallback != null && fallback.generation() == top.generation()) {
            newest = fallback; // the same generation, from the index copy that is whole
        }
        for (int d = 1; d < set.deviceCount(); d++) {
            for (int slot = 0; slot < SuperblockDescriptor.SLOT_COUNT; slot++) {
                final String why = set.slots(d).damage(slot);
                if (why != null) {
                    problems.add("device " + d + " (" + set.device(d).path() + "): superblock slot " + slot
                            + " is damaged (" + why + "); its other copy is intact, so the set still reads:"
                            + " run `atlas-catalogue fsck --repair` to rewrite it");
                }
            }
        }
        return new CatalogueHealth(newest, fallback, List.copyOf(problems), newestError);
    }

    private static String describe(CatalogueSnapshot s) {
        return s.size() + " files, committed "
                + Instant.ofEpochMilli(s.primary().commitTimeMillis());
    }

    /** True when nothing is damaged. */
    public boolean healthy() {
        return problems.isEmpty();
    }

    /** The newest generation, or throws the sentence that says why it cannot be read and what to do. */
    CatalogueSnapshot readable() {
        if (newest == null) {
            throw new CatalogueDamagedException(problems.get(0));
        }
        return newest;
    }

    /** Throws unless a writer may change the set: refuses while anything is damaged. */
    void requireWritable(DeviceSet set) {
        if (!problems.isEmpty()) {
            throw new CatalogueDamagedException(
                    "the catalogue on " + set.device(0).path() + " is damaged, so"
                            + " nothing was changed: " + problems.get(0)
                            + (problems.size() > 1
                                    ? " (and " + (problems.size() - 1) + " more; see `atlas-catalogue fsck`)"
                                    : ""));
        }
    }
}
