package dev.atlas.catalogue;

import dev.atlas.catalogue.error.CatalogueException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A file to import: the name it gets in the catalogue and the source file holding its bytes.
 */
public record ImportItem(String name, Path source) {

    /**
     * The files to import from {@code sources}: a directory contributes every regular file under
     * it, named by its path relative to that directory (an ffmpeg HLS/DASH ladder keeps its
     * layout), a file contributes itself under its own file name; all of them under
     * {@code prefix}/ when one is given. Sorted by name within each source.
     *
     * @throws CatalogueException when a source is neither a file nor a directory, or cannot be listed
     */
    public static List<ImportItem> collect(List<Path> sources, String prefix) {
        final List<ImportItem> items = new ArrayList<>();
        final String base = prefix == null || prefix.isEmpty() ? "" : stripSlashes(prefix) + "/";
        for (Path src : sources) {
            if (Files.isDirectory(src)) {
                try (Stream<Path> walk = Files.walk(src)) {
                    walk.filter(Files::isRegularFile).sorted().forEach(file ->
                            items.add(new ImportItem(base + relativeName(src, file), file)));
                } catch (IOException | UncheckedIOException e) {
                    throw new CatalogueException("cannot list " + src + ": " + e.getMessage());
                }
            } else if (Files.isRegularFile(src)) {
                items.add(new ImportItem(base + src.getFileName().toString(), src));
            } else {
                throw new CatalogueException(src + " is not a file or directory; nothing was imported");
            }
        }
        return items;
    }

    private static String relativeName(Path root, Path file) {
        final StringBuilder name = new StringBuilder();
        for (Path element : root.relativize(file)) {
            if (!name.isEmpty()) {
                name.append('/');
            }
            name.append(element);
        }
        return name.toString();
    }

    private static String stripSlashes(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && s.charAt(from) == '/') {
            from++;
        }
        while (to > from && s.charAt(to - 1) == '/') {
            to--;
        }
        return s.substring(from, to);
    }
}
