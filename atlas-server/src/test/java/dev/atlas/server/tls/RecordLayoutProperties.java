package dev.atlas.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** The record layout maps every framed byte of a body to the right record and place, for both versions. */
class RecordLayoutProperties {

    @Property(tries = 300)
    void recordsTileTheBodyOnTheSourceGrid(
            @ForAll @LongRange(min = 0, max = 1L << 40) long sourceStart,
            @ForAll @LongRange(min = 1, max = 3_000_000) long length,
            @ForAll boolean tls13) {
        final int overhead = RecordFormat.overhead(tls13);
        final long records = RecordLayout.records(sourceStart, length);
        long plain = 0;
        long framed = 0;
        for (long k = 0; k < records; k++) {
            assertEquals(plain, RecordLayout.plaintextStart(sourceStart, length, k));
            assertEquals(framed, RecordLayout.framedStart(sourceStart, length, k, overhead));
            final int n = RecordLayout.plaintextLength(sourceStart, length, k);
            assertTrue(n > 0 && n <= RecordFormat.MAX_PLAINTEXT);
            if (k > 0) {
                // Every record but the first starts on the source's 16 KiB grid (one drive chunk each).
                assertEquals(0, Math.floorMod(sourceStart + plain, RecordFormat.MAX_PLAINTEXT));
            }
            if (k > 0 && k < records - 1) {
                assertEquals(RecordFormat.MAX_PLAINTEXT, n);
            }
            plain += n;
            framed += n + overhead;
        }
        assertEquals(length, plain);
        assertEquals(framed, RecordLayout.framedLength(sourceStart, length, overhead));
    }

    @Property(tries = 300)
    void everyFramedOffsetFindsItsRecord(
            @ForAll @LongRange(min = 0, max = 1L << 40) long sourceStart,
            @ForAll @LongRange(min = 1, max = 3_000_000) long length,
            @ForAll @IntRange(min = 0, max = 1_000_000) int probe,
            @ForAll boolean tls13) {
        final int overhead = RecordFormat.overhead(tls13);
        final long framedLength = RecordLayout.framedLength(sourceStart, length, overhead);
        final long offset = probe % framedLength;
        final long k = RecordLayout.recordAt(sourceStart, length, offset, overhead);
        final long start = RecordLayout.framedStart(sourceStart, length, k, overhead);
        final long end = start + RecordLayout.plaintextLength(sourceStart, length, k) + overhead;
        assertTrue(
                start <= offset && offset < end,
                () -> offset + " outside record " + k + " [" + start + ", " + end + ")");
        // The record's neighbours' edges map to themselves too.
        assertEquals(k, RecordLayout.recordAt(sourceStart, length, start, overhead));
        assertEquals(k, RecordLayout.recordAt(sourceStart, length, end - 1, overhead));
    }

    @Property(tries = 200)
    void pipelinedBodiesMapFromTheirOwnStart(
            @ForAll @LongRange(min = 0, max = 1L << 30) long firstStart,
            @ForAll @LongRange(min = 1, max = 200_000) long firstLength,
            @ForAll @LongRange(min = 0, max = 1L << 30) long secondStart,
            @ForAll @LongRange(min = 1, max = 200_000) long secondLength,
            @ForAll @IntRange(min = 0, max = 400) int head,
            @ForAll boolean tls13) {
        // Stream: [head record][body 1][head record][body 2]; a byte's record and sequence number
        // follow from its stream offset and the body's start and first sequence number alone.
        final int overhead = RecordFormat.overhead(tls13);
        final long body1 = head + overhead;
        final long body1Framed = RecordLayout.framedLength(firstStart, firstLength, overhead);
        final long seq1 = 1;
        final long seq2 = seq1 + RecordLayout.records(firstStart, firstLength) + 1;
        final long body2 = body1 + body1Framed + head + overhead;
        final long last2 = RecordLayout.records(secondStart, secondLength) - 1;
        final long lastByte = body2 + RecordLayout.framedLength(secondStart, secondLength, overhead) - 1;
        assertEquals(seq2 + last2, seq2 + RecordLayout.recordAt(secondStart, secondLength, lastByte - body2, overhead));
        assertEquals(
                seq1 + RecordLayout.records(firstStart, firstLength) - 1,
                seq1 + RecordLayout.recordAt(firstStart, firstLength, body1Framed - 1, overhead));
    }
}
