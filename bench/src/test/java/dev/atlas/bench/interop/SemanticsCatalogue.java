package dev.atlas.bench.interop;

import dev.atlas.catalogue.Catalogue;
import dev.atlas.catalogue.CatalogueEntry;
import dev.atlas.catalogue.CatalogueWriter;
import dev.atlas.catalogue.ImportItem;
import dev.atlas.catalogue.Progress;
import dev.atlas.catalogue.cli.CatalogueCli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The content of the HTTP semantics suite and the catalogue image that holds it: sizes around the
 * 4 KiB block and the 16 KiB record (0, 1, 4095 … 16385 bytes), ~1 MiB and ~20 MiB of seeded
 * random bytes, HLS/DASH-style names for content types and a name with a space and UTF-8. The
 * bytes stay in memory so every response body can be compared with them; the catalogue's own
 * entries (ETag, length, type, mtime) are read back from the image, not assumed.
 */
final class SemanticsCatalogue {
    /** The sources' modification time: a single-digit day (IMF-fixdate pads it) and a millisecond part (dropped). */
    static final Instant MODIFIED = Instant.parse("2024-03-09T16:20:07.250Z");

    private static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter.ofPattern(
                    "EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);
    private static final long MIB = 1L << 20;

    /** One served file: its catalogue name, its bytes and the catalogue's entry for it. */
    record Item(String name, byte[] content, CatalogueEntry entry) {
        long length() {
            return content.length;
        }

        /** The request path: '/' + the name's UTF-8 bytes, percent-encoded except unreserved characters and '/'. */
        String path() {
            return "/" + percentEncode(name);
        }

        byte[] slice(long first, long lastInclusive) {
            return java.util.Arrays.copyOfRange(content, (int) first, (int) lastInclusive + 1);
        }
    }

    private final Map<String, Item> items;
    private final Path image;

    private SemanticsCatalogue(Map<String, Item> items, Path image) {
        this.items = items;
        this.image = image;
    }

    Item item(String name) {
        final Item item = items.get(name);
        if (item == null) {
            throw new IllegalArgumentException("no test file named " + name);
        }
        return item;
    }

    List<Item> items() {
        return List.copyOf(items.values());
    }

    Path image() {
        return image;
    }

    /** Last-Modified as the server must write it (IMF-fixdate, whole seconds). */
    static String lastModified() {
        return IMF_FIXDATE.format(MODIFIED);
    }

    static String httpDate(Instant instant) {
        return IMF_FIXDATE.format(instant);
    }

    /** Names of the block- and record-boundary files. */
    static String edge(int size) {
        return "edge/" + size + ".bin";
    }

    static final int[] EDGE_SIZES = {0, 1, 4095, 4096, 4097, 16383, 16384, 16385};
    static final String MANIFEST = "hls/master.m3u8";
    static final String SEGMENT = "hls/720p/segment_00001.ts";
    static final String CHUNK = "dash/video/chunk-00001.m4s";
    static final String FEATURE = "vod/feature.mp4";
    static final String SPACED = "vod/with space/caf\u00e9 \u2713 \u00fcber.ts";

    /**
     * Writes the sources under {@code dir}/content, formats a 256 MiB image with the CLI, imports
     * the directory with the CLI and the UTF-8 name through the library (a source file name need
     * not be encodable in the JVM's file-name charset), and reads the entries back.
     */
    static SemanticsCatalogue build(Path dir, long seed) throws IOException {
        final SplittableRandom random = new SplittableRandom(seed);
        final Path content = dir.resolve("content");
        final Map<String, byte[]> sources = new LinkedHashMap<>();
        for (int size : EDGE_SIZES) {
            sources.put(edge(size), randomBytes(random, size));
        }
        sources.put(MANIFEST, manifest().getBytes(StandardCharsets.US_ASCII));
        sources.put(SEGMENT, randomBytes(random, (int) MIB + 333));
        sources.put(CHUNK, randomBytes(random, 65_536 + 17));
        sources.put(FEATURE, randomBytes(random, (int) (20 * MIB) + 4321));
        for (Map.Entry<String, byte[]> e : sources.entrySet()) {
            final Path file = content.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            Files.write(file, e.getValue());
            Files.setLastModifiedTime(file, FileTime.from(MODIFIED));
        }
        final byte[] spaced = randomBytes(random, 5000);
        final Path spacedSource = dir.resolve("spaced-source.ts");
        Files.write(spacedSource, spaced);
        Files.setLastModifiedTime(spacedSource, FileTime.from(MODIFIED));

        final Path image = dir.resolve("catalogue.img");
        cli("format", "-d", image.toString(), "--size", "256M");
        cli("import", "-d", image.toString(), content.toString());
        try (CatalogueWriter writer = CatalogueWriter.open(List.of(image))) {
            writer.importFiles(List.of(new ImportItem(SPACED, spacedSource)), Progress.NONE);
            writer.commit();
        }
        sources.put(SPACED, spaced);

        final Map<String, Item> items = new LinkedHashMap<>();
        try (Catalogue catalogue = Catalogue.open(List.of(image))) {
            for (Map.Entry<String, byte[]> e : sources.entrySet()) {
                final CatalogueEntry entry = catalogue.lookup(e.getKey());
                if (entry == null || entry.length() != e.getValue().length) {
                    throw new IOException("the catalogue does not hold " + e.getKey() + " as imported: " + entry);
                }
                items.put(e.getKey(), new Item(e.getKey(), e.getValue(), entry));
            }
        }
        return new SemanticsCatalogue(items, image);
    }

    private static void cli(String... args) throws IOException {
        final int code = CatalogueCli.run(args);
        if (code != CatalogueCli.OK) {
            throw new IOException("atlas-catalogue " + String.join(" ", args) + " exited with " + code);
        }
    }

    private static byte[] randomBytes(SplittableRandom random, int size) {
        final byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    private static String manifest() {
        final List<String> lines = new ArrayList<>(List.of("#EXTM3U", "#EXT-X-VERSION:3"));
        lines.add("#EXT-X-STREAM-INF:BANDWIDTH=2800000,RESOLUTION=1280x720");
        lines.add("720p/index.m3u8");
        return String.join("\n", lines) + "\n";
    }

    static String percentEncode(String name) {
        final StringBuilder out = new StringBuilder();
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            final int c = b & 0xFF;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~/".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%').append(String.format("%02X", c));
            }
        }
        return out.toString();
    }
}
