package dev.atlas.server;

import dev.atlas.catalogue.Catalogue;
import dev.atlas.catalogue.CatalogueSnapshot;
import dev.atlas.catalogue.CatalogueWriter;
import dev.atlas.catalogue.ImportItem;
import dev.atlas.catalogue.ImportScan;
import dev.atlas.catalogue.Progress;
import dev.atlas.server.storage.CurrentCatalogue;
import dev.atlas.server.storage.GenerationPins;
import dev.atlas.server.storage.ServedCatalogue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The server's side of its catalogue, on the management thread: holds the catalogue open (its
 * shared lock keeps other writers out), publishes each committed generation to the lanes, and
 * changes the catalogue for the operator (import, rm) without ever handing out blocks that a
 * response in flight still reads: every generation some lane's responses still pin is kept
 * out of the writer's free space until those responses are done.
 */
final class CatalogueKeeper implements AutoCloseable {
    /** How long to wait for every lane to finish the pass it was in (a lane pass is microseconds). */
    private static final long LANE_PASS_WAIT_NANOS = 2_000_000_000L;

    private final Catalogue catalogue;
    private final CurrentCatalogue current;
    private final List<CatalogueSnapshot> published = new ArrayList<>();
    private List<GenerationPins> pins = List.of();
    private List<LongSupplier> lanePasses = List.of();

    CatalogueKeeper(Catalogue catalogue) {
        this.catalogue = catalogue;
        this.published.add(catalogue.snapshot());
        this.current = new CurrentCatalogue(ServedCatalogue.of(catalogue.snapshot()));
    }

    /** What the lanes serve new requests from. */
    CurrentCatalogue current() {
        return current;
    }

    Catalogue catalogue() {
        return catalogue;
    }

    /** The lanes' pins and pass counters, known once the lanes are built. */
    synchronized void watch(List<GenerationPins> lanePins, List<LongSupplier> passes) {
        this.pins = List.copyOf(lanePins);
        this.lanePasses = List.copyOf(passes);
    }

    /** Picks up a generation committed since (by this server); returns an operator line. */
    synchronized String reload() {
        if (catalogue.refreshIfChanged()) {
            publish();
            return "generation " + catalogue.generation() + ", " + catalogue.size() + " files (new)";
        }
        return "generation " + catalogue.generation() + ", " + catalogue.size() + " files (unchanged)";
    }

    /** Imports files or directory trees as one new generation, served at once. */
    synchronized String importFiles(List<Path> sources, String prefix) {
        final ImportScan scan = ImportScan.of(sources, prefix, false, false);
        final List<ImportItem> items = scan.items();
        if (items.isEmpty()) {
            throw new IllegalArgumentException("no files found under " + sources + "; nothing to import");
        }
        final long generation;
        try (CatalogueWriter writer = catalogue.beginUpdate(stillServed())) {
            writer.importFiles(items, Progress.NONE);
            generation = writer.commit();
        }
        catalogue.refreshIfChanged();
        publish();
        return "imported " + items.size() + " file(s); serving generation " + generation + ", " + catalogue.size()
                + " files" + (scan.skipped().isEmpty() ? "" : "; " + String.join("; ", scan.skipped()));
    }

    /** Removes names as one new generation; responses already streaming them finish from the old one. */
    synchronized String remove(List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("name the files to remove with name=...");
        }
        final long generation;
        try (CatalogueWriter writer = catalogue.beginUpdate(stillServed())) {
            for (String name : names) {
                writer.remove(name);
            }
            generation = writer.commit();
        }
        catalogue.refreshIfChanged();
        publish();
        return "removed " + names.size() + " file(s); serving generation " + generation + ", " + catalogue.size()
                + " files";
    }

    private void publish() {
        final CatalogueSnapshot snapshot = catalogue.snapshot();
        current.publish(ServedCatalogue.of(snapshot));
        published.add(snapshot);
    }

    /**
     * The generations a response may still read from: the current one and every older one some
     * lane still pins. A lane pins a generation in the same pass in which it read the current
     * one, so waiting for each lane to finish its pass first closes the gap between a lane's
     * read of the old generation and its pin.
     */
    private List<CatalogueSnapshot> stillServed() {
        long oldest = current.get().generation();
        if (awaitLanePasses()) {
            for (GenerationPins lane : pins) {
                oldest = Math.min(oldest, lane.oldestPinned());
            }
        } else {
            oldest = Long.MIN_VALUE; // a lane did not answer: keep every generation, reuse nothing
        }
        final long keepFrom = oldest;
        published.removeIf(s -> s.generation() < keepFrom);
        return List.copyOf(published);
    }

    private boolean awaitLanePasses() {
        final long[] before = new long[lanePasses.size()];
        for (int i = 0; i < before.length; i++) {
            before[i] = lanePasses.get(i).getAsLong();
        }
        final long deadline = System.nanoTime() + LANE_PASS_WAIT_NANOS;
        for (int i = 0; i < before.length; i++) {
            while (lanePasses.get(i).getAsLong() == before[i]) {
                if (System.nanoTime() - deadline > 0) {
                    return false;
                }
                Thread.onSpinWait();
            }
        }
        return true;
    }

    @Override
    public void close() {
        catalogue.close();
    }
}
