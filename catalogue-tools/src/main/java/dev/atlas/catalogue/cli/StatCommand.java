package dev.atlas.catalogue.cli;

import dev.atlas.catalogue.Catalogue;
import dev.atlas.catalogue.CatalogueEntry;
import dev.atlas.catalogue.CatalogueLayout;
import dev.atlas.catalogue.CatalogueNames;
import dev.atlas.catalogue.error.CatalogueException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code stat NAME}: everything the index says about one file. */
@Command(name = "stat", description = "Show the index entry of one file.")
final class StatCommand implements Callable<Integer> {

    @Mixin
    DeviceOptions options;

    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
        try (Catalogue catalogue = Catalogue.open(options.devices)) {
            DeviceOptions.warnDamage(catalogue);
            final CatalogueEntry e = catalogue.lookup(name);
            if (e == null) {
                throw new CatalogueException("no file named " + CatalogueNames.abbreviate(name) + " in the catalogue");
            }
            final PrintStream out = System.out;
            out.println("name:         " + e.name());
            out.println("size:         " + e.length());
            out.println("content-type: " + e.contentType());
            out.println("etag:         " + e.etag());
            out.println("sha256:       " + e.sha256Hex());
            out.println("mtime:        " + Instant.ofEpochMilli(e.mtimeMillis()));
            out.println("device:       " + e.device() + " (" + catalogue.devicePath(e.device()) + ")");
            out.println("extent:       LBA " + e.firstLba() + ", " + e.blocks(CatalogueLayout.BLOCK_SIZE)
                    + " blocks of " + CatalogueLayout.BLOCK_SIZE);
            out.println("generation:   " + catalogue.generation());
            out.flush();
        }
        return CatalogueCli.OK;
    }
}
