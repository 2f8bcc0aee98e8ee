package dev.atlas.deploy;

import dev.atlas.catalogue.cli.CatalogueCli;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A catalogue image holding one video segment of seeded random bytes, made with the catalogue
 * CLI in this JVM, for a server to serve and a download to be compared with byte for byte.
 */
record TestCatalogue(Path image, Path segment, String name) {
    static final String NAME = "video/720p/seg-00001.ts";
    private static final int SEGMENT_BYTES = 1_500_000;
    private static final String IMAGE_SIZE = "64M";

    static TestCatalogue make(Path dir) throws IOException {
        final Path content = dir.resolve("content");
        final Path segment = content.resolve(NAME);
        Files.createDirectories(segment.getParent());
        final byte[] bytes = new byte[SEGMENT_BYTES];
        final SplittableRandom random = new SplittableRandom(14);
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        try (OutputStream out = Files.newOutputStream(segment)) {
            out.write(bytes);
        }
        final Path image = dir.resolve("catalogue.img");
        cli("format", "-d", image.toString(), "--size", IMAGE_SIZE);
        cli("import", "-d", image.toString(), content.toString());
        return new TestCatalogue(image, segment, NAME);
    }

    private static void cli(String... args) {
        final int code = CatalogueCli.run(args);
        if (code != 0) {
            throw new IllegalStateException("atlas-catalogue " + String.join(" ", args) + " exited " + code);
        }
    }
}
