package dev.atlas.catalogue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The index codec round-trips, and decodes damaged bytes only into a clear CatalogueFormatException. */
class IndexCodecProperties {

    private static final UUID SET = new UUID(0x1234, 0x5678);
    private static final long DEVICE_BLOCKS = 1 << 20;

    static List<CatalogueEntry> entries(long seed, int count) {
        final Random random = new Random(seed);
        final List<CatalogueEntry> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            final byte[] sha = new byte[32];
            random.nextBytes(sha);
            final String name = "dir" + random.nextInt(5) + "/ü-" + i + "-" + "x".repeat(random.nextInt(40)) + ".m4s";
            entries.add(new CatalogueEntry(
                    name,
                    random.nextInt(2),
                    2 + 1000L * i,
                    random.nextInt(1 << 20),
                    ContentTypes.forName(name),
                    sha,
                    CatalogueEntry.etagFor(sha),
                    random.nextLong()));
        }
        return entries;
    }

    static Superblock superblockFor(MemorySegment index, int entries) {
        return new Superblock(
                CatalogueLayout.BLOCK_SIZE,
                SET,
                new UUID(1, 2),
                7,
                0,
                2,
                DEVICE_BLOCKS,
                2,
                index.byteSize(),
                entries,
                IndexCodec.crc(index, index.byteSize()),
                0);
    }

    @Property(tries = 100)
    void roundTrips(@ForAll long seed, @ForAll @IntRange(max = 40) int count) {
        final List<CatalogueEntry> entries = entries(seed, count);
        final MemorySegment index = IndexCodec.encode(7, SET, entries);
        assertEquals(IndexCodec.encodedLength(entries), index.byteSize());
        assertEquals(entries, IndexCodec.decode(index, superblockFor(index, count), "test"));
    }

    /**
     * Random byte flips with the CRC re-sealed (so the parser itself is exercised, not just the
     * checksum) decode or fail with a CatalogueFormatException, never anything else.
     */
    @Property(tries = 2000)
    void damagedIndexGivesAClearError(
            @ForAll long seed,
            @ForAll @IntRange(min = 1, max = 12) int count,
            @ForAll @Size(min = 1, max = 8) List<@IntRange(min = 0, max = 100_000) Integer> positions,
            @ForAll byte value) {
        final MemorySegment index = IndexCodec.encode(7, SET, entries(seed, count));
        for (int p : positions) {
            index.set(ValueLayout.JAVA_BYTE, p % index.byteSize(), value);
        }
        try {
            IndexCodec.decode(index, superblockFor(index, count), "test.img");
        } catch (CatalogueFormatException expected) {
            if (!expected.getMessage().startsWith("the catalogue index on test.img (generation 7) is damaged")) {
                fail("unclear message: " + expected.getMessage());
            }
        } catch (RuntimeException e) {
            fail("damaged index escaped as " + e, e);
        }
    }

    /** Entirely random bytes with a matching CRC. */
    @Property(tries = 1000)
    void randomBytesGiveAClearError(@ForAll @Size(min = 0, max = 3000) byte[] bytes) {
        final MemorySegment index = MemorySegment.ofArray(bytes);
        final int count = bytes.length > 16 ? index.get(ValueLayout.JAVA_INT_UNALIGNED, 12) : 0;
        try {
            IndexCodec.decode(
                    index,
                    new Superblock(
                            CatalogueLayout.BLOCK_SIZE,
                            SET,
                            SET,
                            7,
                            0,
                            1,
                            DEVICE_BLOCKS,
                            2,
                            bytes.length,
                            count,
                            IndexCodec.crc(index, bytes.length),
                            0),
                    "test.img");
        } catch (CatalogueFormatException expected) {
            // the clear error we want
        } catch (RuntimeException e) {
            fail("random index escaped as " + e, e);
        }
    }
}
