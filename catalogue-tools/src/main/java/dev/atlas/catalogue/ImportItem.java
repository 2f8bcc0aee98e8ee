package dev.atlas.catalogue;

import java.nio.file.Path;

/**
 * A file to import: the name it gets in the catalogue and the source file holding its bytes.
 */
public record ImportItem(String name, Path source) {
}
