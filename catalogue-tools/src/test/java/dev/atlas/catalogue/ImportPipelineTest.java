package dev.atlas.catalogue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.catalogue.device.BlockDeviceOpener;
import dev.atlas.catalogue.error.CatalogueException;
import dev.atlas.diskmap.emulated.EmulatedFaults;
import dev.atlas.diskmap.nvme.NvmeStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The import pipeline (several transfer buffers written behind, hashed on a helper thread) on
 * the emulated controller completing out of order: a file of many chunks arrives byte for byte
 * with the right SHA-256, and a write failing or power failing while several chunks are in
 * flight leaves the old catalogue, a clean fsck and, after a failure, a writer that still works.
 */
class ImportPipelineTest {

    private static final long IMAGE_BYTES = 64L << 20;
    /** More chunks than import buffers, and a tail that is not a whole block. */
    private static final long FILE_BYTES = 9L * CatalogueLayout.TRANSFER_BYTES + 123;

    private Path dir;
    private Path image;
    private Path source;

    @BeforeEach
    void setUp() throws IOException {
        dir = TestImages.scratch("pipeline");
        image = TestImages.image(dir, "dev0.img", IMAGE_BYTES);
        source = TestImages.randomFile(dir.resolve("src/movie.mp4"), FILE_BYTES, 42);
        CatalogueFormatter.format(List.of(image), false, EmulatedDevices.healthy());
    }

    @AfterEach
    void tearDown() throws IOException {
        TestImages.deleteTree(dir);
    }

    private static BlockDeviceOpener outOfOrder(long seed) {
        return EmulatedDevices.opener(
                p -> EmulatedFaults.seeded(seed).outOfOrder(true).delayPolls(0, 30));
    }

    @Test
    void aFileOfManyChunksArrivesWithItsDigest() throws Exception {
        try (CatalogueWriter w = CatalogueWriter.open(List.of(image), outOfOrder(5))) {
            w.importFiles(List.of(new ImportItem("movie.mp4", source)), Progress.NONE);
            w.commit();
        }
        final byte[] expected = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(source));
        try (Catalogue catalogue = Catalogue.open(List.of(image), EmulatedDevices.healthy())) {
            final CatalogueEntry entry = catalogue.lookup("movie.mp4");
            assertArrayEquals(expected, entry.sha256());
            final ByteArrayOutputStream back = new ByteArrayOutputStream();
            catalogue.read(
                    entry,
                    chunk -> {
                        final byte[] bytes = new byte[chunk.remaining()];
                        chunk.get(bytes);
                        back.write(bytes);
                    },
                    Progress.NONE);
            assertArrayEquals(Files.readAllBytes(source), back.toByteArray());
        }
        assertTrue(Fsck.check(List.of(image), true, Progress.NONE, EmulatedDevices.healthy())
                .clean());
    }

    /** Files of every size share the ring: chunks of one file are still in flight when the next starts. */
    @Test
    void manyFilesShareTheBuffersAndEachGetsItsOwnDigest() throws Exception {
        final List<ImportItem> items = new ArrayList<>();
        final Random random = new Random(3);
        for (int i = 0; i < 40; i++) {
            final long size = i % 10 == 0 ? 0 : random.nextInt(5 * CatalogueLayout.TRANSFER_BYTES / 2);
            items.add(new ImportItem(
                    "hls/seg_" + i + ".ts", TestImages.randomFile(dir.resolve("src/seg_" + i), size, i)));
        }
        try (CatalogueWriter w = CatalogueWriter.open(List.of(image), outOfOrder(8))) {
            w.importFiles(items, Progress.NONE);
            w.commit();
        }
        try (Catalogue catalogue = Catalogue.open(List.of(image), EmulatedDevices.healthy())) {
            for (ImportItem item : items) {
                final CatalogueEntry entry = catalogue.lookup(item.name());
                assertArrayEquals(
                        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(item.source())),
                        entry.sha256(),
                        item.name());
                assertTrue(catalogue.verify(entry, Progress.NONE), item.name());
            }
        }
        assertTrue(Fsck.check(List.of(image), true, Progress.NONE, EmulatedDevices.healthy())
                .clean());
    }

    @Test
    void aWriteFailingInALaterFileStagesNoneOfTheCall() throws Exception {
        final List<ImportItem> items = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            items.add(
                    new ImportItem("seg_" + i + ".ts", TestImages.randomFile(dir.resolve("src/seg_" + i), 300_000, i)));
        }
        final long failing = commandsAfterOpen() + 7;
        final BlockDeviceOpener faulty = EmulatedDevices.opener(p -> EmulatedFaults.seeded(4)
                .outOfOrder(true)
                .delayPolls(0, 30)
                .failCommand(failing, NvmeStatus.WRITE_FAULT | NvmeStatus.DO_NOT_RETRY));
        try (CatalogueWriter w = CatalogueWriter.open(List.of(image), faulty)) {
            assertThrows(CatalogueException.class, () -> w.importFiles(items, Progress.NONE));
            assertEquals(0, w.stagedSize(), "the files written before the failure are not staged either");
            assertTrue(!w.dirty(), "nothing to commit");
        }
    }

    /**
     * A hasher that stalls on the first chunk while the device writes on: a buffer refilled
     * before its chunk was hashed would change the digest.
     */
    @Test
    void aStalledHasherHoldsItsBuffers() throws Exception {
        final ExecutorService slow =
                new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>()) {
                    private boolean first = true;

                    @Override
                    protected void beforeExecute(Thread t, Runnable r) {
                        if (first) {
                            first = false;
                            try {
                                Thread.sleep(300);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    }
                };
        try (CatalogueWriter w = CatalogueWriter.open(List.of(image), EmulatedDevices.healthy());
                ChunkHasher hasher = new ChunkHasher(slow)) {
            w.importFiles(List.of(new ImportItem("movie.mp4", source)), Progress.NONE, hasher);
            assertArrayEquals(
                    MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(source)),
                    w.staged("movie.mp4").sha256());
        }
    }

    @Test
    void aWriteFailingMidFileFailsTheImportAndTheWriterGoesOn() throws Exception {
        final long opened = commandsAfterOpen();
        // the 6th data write: several earlier ones are still in flight or just completed
        final long failing = opened + 6;
        final BlockDeviceOpener faulty = EmulatedDevices.opener(p -> EmulatedFaults.seeded(9)
                .outOfOrder(true)
                .delayPolls(0, 30)
                .failCommand(failing, NvmeStatus.WRITE_FAULT | NvmeStatus.DO_NOT_RETRY));
        final Path small = TestImages.randomFile(dir.resolve("src/small.ts"), 5000, 7);
        try (CatalogueWriter w = CatalogueWriter.open(List.of(image), faulty)) {
            final CatalogueException e = assertThrows(
                    CatalogueException.class,
                    () -> w.importFiles(List.of(new ImportItem("movie.mp4", source)), Progress.NONE));
            assertTrue(e.getMessage().contains("at LBA") && e.getMessage().contains("failed"), e.getMessage());
            assertNull(w.staged("movie.mp4"), "a file whose write failed is not staged");
            w.importFiles(List.of(new ImportItem("small.ts", small)), Progress.NONE);
            w.commit();
        }
        try (Catalogue catalogue = Catalogue.open(List.of(image), EmulatedDevices.healthy())) {
            assertEquals(
                    List.of("small.ts"),
                    catalogue.entries().stream().map(CatalogueEntry::name).toList());
            assertTrue(catalogue.verify(catalogue.lookup("small.ts"), Progress.NONE));
        }
        assertTrue(Fsck.check(List.of(image), true, Progress.NONE, EmulatedDevices.healthy())
                .clean());
    }

    @Test
    void aPowerCutWithChunksInFlightLeavesTheOldCatalogue() throws Exception {
        for (int cutAt = 2; cutAt <= 9; cutAt += 3) {
            final long write = cutAt;
            final BlockDeviceOpener cut = EmulatedDevices.opener(p -> EmulatedFaults.seeded(write)
                    .outOfOrder(true)
                    .delayPolls(0, 30)
                    .powerCutAfterWrite(write, true)
                    .loseUnflushedWritesOnPowerCut(0.5));
            try (CatalogueWriter w = CatalogueWriter.open(List.of(image), cut)) {
                assertThrows(
                        CatalogueException.class,
                        () -> {
                            w.importFiles(List.of(new ImportItem("movie.mp4", source)), Progress.NONE);
                            w.commit();
                        },
                        "cut at write " + cutAt);
            }
            try (Catalogue catalogue = Catalogue.open(List.of(image), EmulatedDevices.healthy())) {
                assertEquals(1, catalogue.generation(), "cut at write " + cutAt);
                assertEquals(0, catalogue.size(), "cut at write " + cutAt);
            }
            assertTrue(Fsck.check(List.of(image), true, Progress.NONE, EmulatedDevices.healthy())
                    .clean());
        }
    }

    /** NVMe commands a writer issues before its first data write (reading the superblocks and index). */
    private long commandsAfterOpen() {
        try (CatalogueWriter w = CatalogueWriter.open(List.of(image), EmulatedDevices.healthy())) {
            return EmulatedDevices.fetchedCommands(w.deviceSet().device(0));
        }
    }
}
