package dev.atlas.bench.datapath;

import dev.atlas.catalogue.Catalogue;
import dev.atlas.catalogue.CatalogueEntry;
import dev.atlas.catalogue.cli.CatalogueCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Test content in a catalogue image: seeded random files written under {@code dir/content},
 * imported with the catalogue CLI, kept on disk so every downloaded byte can be compared with
 * its source.
 */
public final class ServedContent {
    public final Path image;
    final Path sources;
    final Map<String, Long> sizes;

    private ServedContent(Path image, Path sources, Map<String, Long> sizes) {
        this.image = image;
        this.sources = sources;
        this.sizes = sizes;
    }

    /** Writes {@code files} (name → size) of seeded random bytes and imports them into a fresh image of {@code imageSize}. */
    public static ServedContent build(Path dir, String imageSize, Map<String, Long> files, long seed)
            throws IOException {
        final SplittableRandom random = new SplittableRandom(seed);
        final Path sources = dir.resolve("content");
        final byte[] block = new byte[1 << 20];
        for (Map.Entry<String, Long> file : files.entrySet()) {
            final Path path = sources.resolve(file.getKey());
            Files.createDirectories(path.getParent());
            try (var out = Files.newOutputStream(path)) {
                for (long written = 0; written < file.getValue(); ) {
                    random.nextBytes(block);
                    final int n = (int) Math.min(block.length, file.getValue() - written);
                    out.write(block, 0, n);
                    written += n;
                }
            }
        }
        final Path image = dir.resolve("catalogue.img");
        cli("format", "-d", image.toString(), "--size", imageSize);
        cli("import", "-d", image.toString(), sources.toString());
        return new ServedContent(image, sources, new LinkedHashMap<>(files));
    }

    private static void cli(String... args) throws IOException {
        final int code = CatalogueCli.run(args);
        if (code != 0) {
            throw new IOException("atlas-catalogue " + String.join(" ", args) + " exited with " + code);
        }
    }

    public Path source(String name) {
        return sources.resolve(name);
    }

    /** The catalogue entry of {@code name} (opens the image shared; fine beside a running server). */
    CatalogueEntry entry(String name) {
        try (Catalogue catalogue = Catalogue.open(List.of(image))) {
            return catalogue.lookup(name);
        }
    }

    /** True when {@code download} holds exactly the bytes of {@code name}. */
    boolean matches(String name, Path download) throws IOException {
        return Files.exists(download) && Files.mismatch(source(name), download) == -1;
    }
}
