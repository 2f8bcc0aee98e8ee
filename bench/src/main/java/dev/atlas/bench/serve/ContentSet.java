package dev.atlas.bench.serve;

import com.sun.nio.file.ExtendedOpenOption;
import dev.atlas.bench.demo.HlsLadder;
import dev.atlas.catalogue.cli.CatalogueCli;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The same chunks twice: as a directory tree for nginx ({@code tree/cold/chunk_00000.ts}, …) and
 * imported into one Atlas catalogue image under the same names. Chunks are the thesis's 300 KiB of
 * random bytes (a multiple of 4 KiB, so they are written with O_DIRECT and leave nothing in the
 * page cache). The ladder case's chunks are instead the segments of an HLS ladder ffmpeg makes
 * for the run, renamed in order ({@code tree/ladder/chunk_00000.ts} is the top rendition's first
 * segment), so the same load script asks for them. The SHA-256 of each case's first chunk is
 * kept to check what the servers send.
 */
final class ContentSet {
    /** The thesis's chunk size. */
    static final int CHUNK_BYTES = 300 * 1024;

    static final String EXTENSION = ".ts";
    private static final int DIRECT_ALIGNMENT = 4096;
    /** Room in the image beyond the chunks: superblocks, the index and its copy-on-write twin. */
    private static final long IMAGE_SLACK_BYTES = 64L << 20;

    /** The ladder case: two minutes of video at three renditions (720p, 480p, 360p), 2 s segments. */
    static final int LADDER_SECONDS = 120;

    static final List<HlsLadder.Rendition> LADDER_RENDITIONS = List.of(
            new HlsLadder.Rendition(1280, 720, 3000),
            new HlsLadder.Rendition(854, 480, 1200),
            new HlsLadder.Rendition(640, 360, 800));
    /** Segments of the ladder: every rendition's. */
    static final int LADDER_SEGMENTS = LADDER_RENDITIONS.size() * (LADDER_SECONDS / HlsLadder.SEGMENT_SECONDS);

    private final Path tree;
    private final Path image;
    private final Map<ContentCase, Integer> counts;
    private final Map<ContentCase, Long> bytes;
    private final Map<ContentCase, String> firstChunkSha256;

    private ContentSet(
            Path tree,
            Path image,
            Map<ContentCase, Integer> counts,
            Map<ContentCase, Long> bytes,
            Map<ContentCase, String> firstChunkSha256) {
        this.tree = tree;
        this.image = image;
        this.counts = counts;
        this.bytes = bytes;
        this.firstChunkSha256 = firstChunkSha256;
    }

    /** Writes {@code counts} chunks per case under {@code dir}/tree and imports them into {@code dir}/catalogue.img. */
    static ContentSet create(Path dir, Map<ContentCase, Integer> counts, long seed) throws IOException {
        final Path tree = dir.resolve("tree");
        final Path image = dir.resolve("catalogue.img");
        long chunks = 0;
        for (int n : counts.values()) {
            chunks += n;
        }
        final long needed = 2 * chunks * CHUNK_BYTES + IMAGE_SLACK_BYTES;
        Files.createDirectories(dir);
        if (dir.toFile().getUsableSpace() < needed + (1L << 30)) {
            throw new IOException("the content needs about " + (needed >> 20)
                    + " MiB (the chunks twice) plus 1 GiB to spare under " + dir + ", which has "
                    + (dir.toFile().getUsableSpace() >> 20) + " MiB free: choose another --work-dir or fewer chunks");
        }
        final Map<ContentCase, String> digests = new EnumMap<>(ContentCase.class);
        final Map<ContentCase, Long> caseBytes = new EnumMap<>(ContentCase.class);
        final SplittableRandom random = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment chunk = arena.allocate(CHUNK_BYTES, DIRECT_ALIGNMENT);
            for (Map.Entry<ContentCase, Integer> e : counts.entrySet()) {
                final Path caseDir = tree.resolve(e.getKey().id());
                Files.createDirectories(caseDir);
                if (e.getKey() == ContentCase.LADDER) {
                    caseBytes.put(e.getKey(), writeLadder(dir.resolve("ladder-source"), caseDir, e.getValue()));
                    digests.put(e.getKey(), sha256(ByteBuffer.wrap(Files.readAllBytes(caseDir.resolve(chunkName(0))))));
                    continue;
                }
                caseBytes.put(e.getKey(), (long) e.getValue() * CHUNK_BYTES);
                for (int i = 0; i < e.getValue(); i++) {
                    for (long w = 0; w < CHUNK_BYTES / Long.BYTES; w++) {
                        chunk.setAtIndex(ValueLayout.JAVA_LONG, w, random.nextLong());
                    }
                    writeDirect(caseDir.resolve(chunkName(i)), chunk.asByteBuffer());
                    if (i == 0) {
                        digests.put(e.getKey(), sha256(chunk.asByteBuffer()));
                    }
                }
            }
        }
        long total = 0;
        for (long b : caseBytes.values()) {
            total += b;
        }
        // Each file takes whole blocks in the image: a block of rounding per file at most.
        final long imageMiB = (total + chunks * DIRECT_ALIGNMENT + IMAGE_SLACK_BYTES) >> 20;
        catalogue("format", "-d", image.toString(), "--size", imageMiB + "M");
        catalogue("import", "-d", image.toString(), tree.toString());
        return new ContentSet(tree, image, Map.copyOf(counts), Map.copyOf(caseBytes), Map.copyOf(digests));
    }

    /**
     * Has ffmpeg make the ladder in {@code source} and copies its {@code segments} segments into
     * {@code caseDir} as chunks, in order; returns their bytes. The source goes afterwards.
     */
    private static long writeLadder(Path source, Path caseDir, int segments) throws IOException {
        final HlsLadder ladder;
        try {
            ladder = HlsLadder.make(source, LADDER_SECONDS, LADDER_RENDITIONS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while ffmpeg made the HLS ladder", e);
        }
        final List<String> names = ladder.segments();
        if (names.size() != segments) {
            throw new IOException("the HLS ladder has " + names.size() + " segments, not " + segments);
        }
        long bytes = 0;
        for (int i = 0; i < names.size(); i++) {
            final Path chunk = caseDir.resolve(chunkName(i));
            Files.copy(source.resolve(names.get(i)), chunk);
            bytes += Files.size(chunk);
        }
        try (Stream<Path> paths = Files.walk(source)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        return bytes;
    }

    static String chunkName(int index) {
        return String.format("chunk_%05d%s", index, EXTENSION);
    }

    /** The URL path of chunk {@code index} of a case, the same on both servers. */
    static String urlPath(ContentCase contentCase, int index) {
        return "/" + contentCase.id() + "/" + chunkName(index);
    }

    /** What the wrk script puts before the five-digit index. */
    static String urlPrefix(ContentCase contentCase) {
        return "/" + contentCase.id() + "/chunk_";
    }

    Path tree() {
        return tree;
    }

    Path image() {
        return image;
    }

    int count(ContentCase contentCase) {
        return counts.getOrDefault(contentCase, 0);
    }

    long bytes(ContentCase contentCase) {
        return bytes.getOrDefault(contentCase, 0L);
    }

    String firstChunkSha256(ContentCase contentCase) {
        return firstChunkSha256.get(contentCase);
    }

    /** Reads every chunk of a case through the page cache, so a server that uses it finds all of it there. */
    void preRead(ContentCase contentCase) throws IOException {
        final byte[] sink = new byte[1 << 20];
        for (int i = 0; i < count(contentCase); i++) {
            try (InputStream in =
                    Files.newInputStream(tree.resolve(contentCase.id()).resolve(chunkName(i)))) {
                while (in.read(sink) >= 0) {
                    // Reading is the point: the pages stay in the cache.
                }
            }
        }
    }

    private static void writeDirect(Path path, ByteBuffer bytes) throws IOException {
        try (FileChannel out = FileChannel.open(
                path,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE,
                ExtendedOpenOption.DIRECT)) {
            while (bytes.hasRemaining()) {
                out.write(bytes, bytes.position());
            }
        } catch (UnsupportedOperationException e) {
            throw new IOException(
                    "cannot write " + path + " with O_DIRECT: choose a --work-dir on a disk file system such as ext4",
                    e);
        }
    }

    private static void catalogue(String... args) throws IOException {
        final int status = CatalogueCli.run(args);
        if (status != CatalogueCli.OK) {
            throw new IOException(
                    "atlas-catalogue " + String.join(" ", args) + " failed with status " + status + " (see above)");
        }
    }

    static String sha256(ByteBuffer bytes) {
        try {
            final MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(bytes);
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    /** Every case this set holds chunks of. */
    List<ContentCase> cases() {
        return counts.keySet().stream().sorted().toList();
    }
}
