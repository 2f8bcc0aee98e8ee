package dev.atlas.catalogue;

import java.nio.file.Path;
import java.util.List;

/**
 * A file to import: the name it gets in the catalogue and the source file holding its bytes.
 */
public record ImportItem(String name, Path source) {

    /**
     * The files to import from {@code sources} under the default rules of {@link ImportScan}
     * (links followed only inside each tree, names that are not UTF-8 refused); what it skipped
     * is dropped — callers that can tell an operator use {@link ImportScan#of} instead.
     *
     * @throws dev.atlas.catalogue.error.CatalogueException when a source cannot be read or a name
     *                                                      is not UTF-8
     */
    public static List<ImportItem> collect(List<Path> sources, String prefix) {
        return ImportScan.of(sources, prefix, false, false).items();
    }
}
