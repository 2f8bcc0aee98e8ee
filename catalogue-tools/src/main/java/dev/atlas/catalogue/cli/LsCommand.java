package dev.atlas.catalogue.cli;

import dev.atlas.catalogue.Catalogue;
import dev.atlas.catalogue.CatalogueEntry;
import java.io.PrintStream;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ls [--long]}: the catalogue's names, sorted. */
@Command(name = "ls", description = "List the files in the catalogue.")
final class LsCommand implements Callable<Integer> {

    @Mixin
    DeviceOptions options;

    @Option(
            names = {"-l", "--long"},
            description = "Show size, mtime, content type and location.")
    boolean longFormat;

    @Override
    public Integer call() {
        final PrintStream out = System.out;
        try (Catalogue catalogue = Catalogue.open(options.devices)) {
            DeviceOptions.warnDamage(catalogue);
            for (CatalogueEntry e : catalogue) {
                if (longFormat) {
                    out.printf(
                            "%14d  %s  %-30s  %d:%-10d  %s%n",
                            e.length(),
                            Instant.ofEpochMilli(e.mtimeMillis()),
                            e.contentType(),
                            e.device(),
                            e.firstLba(),
                            e.name());
                } else {
                    out.println(e.name());
                }
            }
        }
        out.flush();
        return CatalogueCli.OK;
    }
}
