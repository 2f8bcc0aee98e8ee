package dev.atlas.catalogue;

import static dev.atlas.catalogue.TestImages.cli;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.nio.file.ExtendedOpenOption;
import dev.atlas.catalogue.TestImages.CliResult;
import dev.atlas.diskmap.PageCache;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * NO PAGE CACHE for the catalogue tools: a 2 GiB source file written with O_DIRECT is imported
 * with the CLI ({@code format}, {@code import}, {@code verify}, all in this JVM), while a sampler
 * watches {@code Cached:} in /proc/meminfo. It may rise by at most 64 MiB during the import and
 * during the verify, and afterwards {@code fincore} must find no page of the source or the image
 * in the page cache.
 *
 * <p>Everything lives under this module's {@code target/} (the checkout's disk, ext4 here), not
 * /tmp, which may be a tmpfs elsewhere: memory, where even an O_DIRECT file is page cache. {@code Cached:} is machine-wide:
 * only a rise is held against the tools (nothing they do can shrink the cache; other processes
 * deleting files can), and each phase is measured from its own start so that the noise of other
 * work on the machine counts only for the seconds the phase runs.
 */
@Tag("slow")
class NoPageCacheImportTest {

    private static final long SOURCE_BYTES = 2L << 30;
    private static final long IMAGE_BYTES = SOURCE_BYTES + (32L << 20);
    private static final int CHUNK_BYTES = 4 << 20;
    private static final long CACHED_MARGIN_BYTES = 64L << 20;

    private Path dir;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestImages.scratch("no-page-cache");
    }

    @AfterEach
    void tearDown() throws IOException {
        TestImages.deleteTree(dir);
    }

    @Test
    void importingAndVerifyingTwoGibibytesLeavesNoPageCache() throws Exception {
        TestImages.requireTool("fincore");
        TestImages.requireMachine(
                Files.getFileStore(dir).getUsableSpace() > SOURCE_BYTES + IMAGE_BYTES + (1L << 30),
                "less than 5 GiB free under " + dir);
        final Path source = dir.resolve("source.bin");
        final Path image = dir.resolve("catalogue.img");

        final PageCache.Watch creating = PageCache.Watch.start();
        final byte[] expectedSha = writeSourceDirect(source);
        final long creatingRise = creating.stop().rise();

        try (SourceFile in = SourceFile.open(source)) {
            assertTrue(
                    in.direct(),
                    "the catalogue reads " + source + " without O_DIRECT; this test needs a file"
                            + " system that supports it (target/ on ext4 or xfs, not tmpfs)");
        }

        CliResult r = cli("format", "-d", image.toString(), "--size", String.valueOf(IMAGE_BYTES));
        assertEquals(0, r.exitCode(), r.toString());

        final PageCache.Watch importing = PageCache.Watch.start();
        r = cli("import", "-d", image.toString(), source.toString());
        final long importRise = importing.stop().rise();
        assertEquals(0, r.exitCode(), r.toString());

        final PageCache.Watch verifying = PageCache.Watch.start();
        r = cli("verify", "-d", image.toString());
        final long verifyRise = verifying.stop().rise();
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("verified 1 file(s), 2.00 GiB: all match"), r.toString());

        try (Catalogue catalogue = Catalogue.open(List.of(image))) {
            final CatalogueEntry entry = catalogue.lookup("source.bin");
            assertEquals(SOURCE_BYTES, entry.length());
            assertArrayEquals(expectedSha, entry.sha256(), "the index holds the SHA-256 of what was written");
        }

        final String rises = "Cached: rose by " + mib(creatingRise) + " MiB while the source was written, "
                + mib(importRise) + " MiB during import, " + mib(verifyRise) + " MiB during verify";
        System.out.println(rises);
        assertTrue(importRise <= CACHED_MARGIN_BYTES, rises + " (limit 64 MiB while importing)");
        assertTrue(verifyRise <= CACHED_MARGIN_BYTES, rises + " (limit 64 MiB while verifying)");
        assertEquals(0L, PageCache.residentBytes(source), "fincore found page-cache pages of the source " + source);
        assertEquals(0L, PageCache.residentBytes(image), "fincore found page-cache pages of the image " + image);
    }

    /**
     * Writes SOURCE_BYTES of SplittableRandom output with O_DIRECT through 4 KiB-aligned off-heap
     * chunks and returns their SHA-256.
     */
    private static byte[] writeSourceDirect(Path source) throws IOException {
        final MessageDigest sha = ExtentReader.sha256();
        final SplittableRandom random = new SplittableRandom(SOURCE_BYTES);
        try (Arena arena = Arena.ofConfined();
                FileChannel out = FileChannel.open(
                        source, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
            final MemorySegment chunk = arena.allocate(CHUNK_BYTES, CatalogueLayout.BLOCK_SIZE);
            final ByteBuffer bytes = chunk.asByteBuffer();
            for (long position = 0; position < SOURCE_BYTES; position += CHUNK_BYTES) {
                for (long i = 0; i < CHUNK_BYTES / Long.BYTES; i++) {
                    chunk.setAtIndex(ValueLayout.JAVA_LONG, i, random.nextLong());
                }
                sha.update(bytes.clear());
                bytes.clear();
                while (bytes.hasRemaining()) {
                    out.write(bytes, position + bytes.position());
                }
            }
        }
        return sha.digest();
    }

    private static long mib(long bytes) {
        return bytes >> 20;
    }
}
