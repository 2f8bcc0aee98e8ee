package dev.atlas.catalogue.cli;

import dev.atlas.catalogue.CatalogueWriter;
import dev.atlas.catalogue.ImportItem;
import dev.atlas.catalogue.ImportScan;
import dev.atlas.catalogue.Sizes;
import dev.atlas.catalogue.error.CatalogueException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code import SRC…}: copies files or whole directory trees into the catalogue and commits them
 * as one new generation. A file's name is its path relative to the SRC it was found under (a
 * SRC that is a file gets its own file name), optionally under {@code --prefix}.
 */
@Command(
        name = "import",
        description = {
            "Copy files or directory trees into the catalogue, as one commit.",
            "Each file is named by its path relative to the SRC it was found under (a SRC that is a file by its own"
                    + " file name), under --prefix DIR/ if given; names are stored as the file system's bytes, which"
                    + " must be UTF-8. Symbolic links are followed only inside the SRC tree; what is skipped (links"
                    + " outside, dangling links, loops, FIFOs, sockets, devices) is listed with the reason."
        })
final class ImportCommand implements Callable<Integer> {

    @Mixin
    DeviceOptions options;

    @Option(names = "--prefix", paramLabel = "DIR", description = "Put the imported names under DIR/.")
    String prefix;

    @Option(names = "--follow-symlinks", description = "Also follow symbolic links that point outside the SRC tree.")
    boolean followSymlinks;

    @Option(
            names = "--percent-encode-names",
            description = "Store each byte of a file name that is not valid"
                    + " UTF-8 as %XX instead of refusing the import.")
    boolean percentEncode;

    @Parameters(arity = "1..*", paramLabel = "SRC", description = "Files or directories to import.")
    List<Path> sources;

    @Override
    public Integer call() {
        final ImportScan scan = ImportScan.of(sources, prefix, followSymlinks, percentEncode);
        for (String skipped : scan.skipped()) {
            System.err.println("atlas-catalogue: " + skipped);
        }
        final List<ImportItem> items = scan.items();
        if (items.isEmpty()) {
            throw new CatalogueException("no files found under " + sources + "; nothing to import");
        }
        final long start = System.nanoTime();
        try (CatalogueWriter writer = CatalogueWriter.open(options.devices)) {
            writer.importFiles(items, options.progress());
            final long generation = writer.commit();
            long bytes = 0;
            for (ImportItem item : items) {
                bytes += writer.staged(item.name()).length();
            }
            final double seconds = Math.max(System.nanoTime() - start, 1) / 1e9;
            System.out.printf(
                    Locale.ROOT,
                    "imported %d file(s), %s in %.2f s (%s/s); catalogue generation %d%s%n",
                    items.size(),
                    Sizes.human(bytes),
                    seconds,
                    Sizes.human((long) (bytes / seconds)),
                    generation,
                    scan.skipped().isEmpty()
                            ? ""
                            : "; skipped " + scan.skipped().size() + " (listed on stderr)");
        }
        return CatalogueCli.OK;
    }
}
