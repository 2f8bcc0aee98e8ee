package dev.atlas.catalogue.cli;

import static dev.atlas.catalogue.TestImages.cli;
import static dev.atlas.catalogue.TestImages.withDevices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.catalogue.TestImages;
import dev.atlas.catalogue.TestImages.CliResult;
import dev.atlas.catalogue.format.SuperblockDescriptor;
import dev.atlas.catalogue.format.SuperblockFlyweight;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Damaged superblocks and index bytes on real image files: every command either works (the
 * other superblock slot still holds the catalogue) or fails with one clear line — never a stack
 * trace, never a hang. Half the damage is re-sealed with a correct CRC32C so the field checks,
 * not just the checksums, are exercised.
 */
class FuzzedImageProperties {

    private static final int BLOCK = 4096;
    private static final Duration LIMIT = Duration.ofSeconds(20);

    private static Path dir;
    private static Path[] pristine;

    @BeforeContainer
    static void createCatalogue() throws IOException {
        dir = TestImages.scratch("fuzz");
        pristine = new Path[] {dir.resolve("p0.img"), dir.resolve("p1.img")};
        assertEquals(0, cli(withDevices(pristine, "format", "--size", "256K")).exitCode());
        for (int i = 0; i < 6; i++) {
            TestImages.randomFile(dir.resolve("src/seg-" + i + ".ts"), 3000L * i + 1, i);
        }
        assertEquals(
                0,
                cli(withDevices(pristine, "import", dir.resolve("src").toString()))
                        .exitCode());
        assertEquals(0, cli(withDevices(pristine, "rm", "seg-2.ts")).exitCode()); // both slots of device 0 valid
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        TestImages.deleteTree(dir);
    }

    @Property(tries = 150)
    void damagedMetadataGivesOneClearLine(@ForAll long seed) throws IOException {
        final Random random = new Random(seed);
        final Path[] images = {dir.resolve("f0.img"), dir.resolve("f1.img")};
        for (int i = 0; i < 2; i++) {
            Files.copy(pristine[i], images[i], StandardCopyOption.REPLACE_EXISTING);
        }
        final int device = random.nextInt(4) == 0 ? 1 : 0;
        try (FileChannel ch = FileChannel.open(images[device], StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            final ByteBuffer head = ByteBuffer.allocate(2 * BLOCK);
            ch.read(head, 0);
            final MemorySegment blocks = MemorySegment.ofBuffer(head.flip());
            final boolean indexDamage = device == 0 && random.nextBoolean();
            final int slot = random.nextInt(2);
            final MemorySegment sb = blocks.asSlice((long) slot * BLOCK, BLOCK);
            if (indexDamage) {
                damageIndex(ch, new SuperblockFlyweight().wrap(sb), random);
            } else {
                final int flips = 1 + random.nextInt(8);
                for (int i = 0; i < flips; i++) {
                    final int at = random.nextInt(4) == 0
                            ? random.nextInt(BLOCK)
                            : random.nextInt(SuperblockDescriptor.LENGTH);
                    sb.set(java.lang.foreign.ValueLayout.JAVA_BYTE, at, (byte) random.nextInt());
                }
            }
            if (random.nextBoolean()) {
                new SuperblockFlyweight().wrap(sb).sealCrc();
            }
            ch.write(head.rewind(), 0);
        }
        for (String command : List.of("ls", "fsck", "verify")) {
            final CliResult r = assertTimeoutPreemptively(LIMIT, () -> cli(withDevices(images, command)));
            assertTrue(r.exitCode() == 0 || r.exitCode() == 1, r.toString());
            if (r.exitCode() == 1) {
                assertTrue(r.err().startsWith("atlas-catalogue: "), r.toString());
                assertTrue(!r.err().contains("Exception") && !r.err().contains("\tat "), r.toString());
                // One line saying why it failed, after any warnings about damage it read past.
                assertTrue(
                        r.err()
                                        .lines()
                                        .filter(l -> !l.startsWith("atlas-catalogue: WARNING "))
                                        .count()
                                == 1,
                        r.toString());
            }
        }
    }

    /** Flips bytes inside the index extent; sometimes re-seals the index CRC in the superblock. */
    private static void damageIndex(FileChannel ch, SuperblockFlyweight sb, Random random) throws IOException {
        final long length = sb.indexBytes();
        if (length <= 0 || length > 1 << 20) {
            return;
        }
        final ByteBuffer index = ByteBuffer.allocate((int) length);
        ch.read(index, sb.indexLba() * BLOCK);
        final int flips = 1 + random.nextInt(6);
        for (int i = 0; i < flips; i++) {
            index.put(random.nextInt((int) length), (byte) random.nextInt());
        }
        ch.write(index.rewind(), sb.indexLba() * BLOCK);
        if (random.nextBoolean()) {
            final CRC32C crc = new CRC32C();
            crc.update(index.rewind());
            sb.indexCrc((int) crc.getValue());
        }
    }
}
