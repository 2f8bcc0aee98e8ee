package dev.atlas.catalogue.cli;

import dev.atlas.catalogue.CatalogueFormatter;
import dev.atlas.catalogue.Sizes;
import dev.atlas.catalogue.error.CatalogueException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code format}: writes an empty catalogue over the named devices (device i = the i-th --device). */
@Command(
        name = "format",
        description = "Write an empty catalogue over the devices (the order of -d sets the" + " device numbers).")
final class FormatCommand implements Callable<Integer> {

    @Mixin
    DeviceOptions options;

    @Option(names = "--force", description = "Erase devices that already hold a catalogue.")
    boolean force;

    @Option(
            names = "--size",
            paramLabel = "SIZE",
            description = "Create missing image files (or grow smaller ones) to SIZE, e.g. 4G.")
    String size;

    @Override
    public Integer call() {
        if (size != null) {
            final long bytes;
            try {
                bytes = Sizes.parse(size);
            } catch (IllegalArgumentException e) {
                throw new CatalogueException("--size: " + e.getMessage());
            }
            for (Path p : options.devices) {
                ensureImage(p, bytes);
            }
        }
        final UUID set = CatalogueFormatter.format(options.devices, force);
        System.out.println("formatted catalogue set " + set + " on " + options.devices.size() + " device(s)");
        return CatalogueCli.OK;
    }

    private static void ensureImage(Path p, long bytes) {
        try {
            if (Files.exists(p) && !Files.isRegularFile(p)) {
                return; // a block device has the size it has
            }
            if (!Files.exists(p) || Files.size(p) < bytes) {
                try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                    f.setLength(bytes);
                }
            }
        } catch (IOException e) {
            throw new CatalogueException("cannot create image " + p + ": " + e.getMessage());
        }
    }
}
