package dev.atlas.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class ByteRangeTest {
    private final ByteRange range = new ByteRange();

    private RangeResult parse(String value, long length) {
        byte[] bytes = value.getBytes(StandardCharsets.ISO_8859_1);
        return range.parse(MemorySegment.ofArray(bytes), 0, bytes.length, length);
    }

    private void assertRange(String value, long length, long first, long last) {
        assertEquals(RangeResult.SATISFIABLE, parse(value, length), value);
        assertEquals(first, range.first(), value);
        assertEquals(last, range.last(), value);
        assertEquals(last - first + 1, range.length());
    }

    @Test
    void satisfiableForms() {
        assertRange("bytes=0-99", 1000, 0, 99);
        assertRange("bytes=500-", 1000, 500, 999);
        assertRange("bytes=-100", 1000, 900, 999);
        assertRange("bytes=-5000", 1000, 0, 999);
        assertRange("bytes=990-2000", 1000, 990, 999);
        assertRange("Bytes=0-0", 1, 0, 0);
        assertRange("bytes=999-999", 1000, 999, 999);
        assertRange("bytes=0-99999999999999999999999", 1000, 0, 999);
        assertRange("bytes=0000000000000000000000001-2", 1000, 1, 2);
        assertRange("bytes= 5-6 ,", 1000, 5, 6);
    }

    @Test
    void unsatisfiable() {
        assertEquals(RangeResult.UNSATISFIABLE, parse("bytes=1000-", 1000));
        assertEquals(RangeResult.UNSATISFIABLE, parse("bytes=1000-2000", 1000));
        assertEquals(RangeResult.UNSATISFIABLE, parse("bytes=-0", 1000));
        assertEquals(RangeResult.UNSATISFIABLE, parse("bytes=0-", 0));
        assertEquals(RangeResult.UNSATISFIABLE, parse("bytes=-0", 0));
        assertEquals(RangeResult.UNSATISFIABLE, parse("bytes=99999999999999999999999-", 1000));
    }

    /** RFC 9110 §14.1.2: a non-zero suffix is satisfiable even on an empty representation, which is then sent whole (200). */
    @Test
    void suffixOfAnEmptyRepresentationIsIgnoredNotRefused() {
        assertEquals(RangeResult.IGNORED, parse("bytes=-10", 0));
        assertEquals(RangeResult.IGNORED, parse("bytes=-1", 0));
    }

    @Test
    void ignored() {
        String[] ignored = {
            "bytes=0-1,5-6",
            "bytes=0-1, -5",
            "items=0-1",
            "bytes=",
            "bytes",
            "bytes 0-1",
            "bytes=5-4",
            "bytes=a-b",
            "bytes=-",
            "bytes=1",
            "bytes=--1",
            "bytes=1-2x",
            "",
            "bytes=0-1;"
        };
        for (String value : ignored) {
            assertEquals(RangeResult.IGNORED, parse(value, 1000), value);
        }
    }

    @Property(tries = 500)
    void satisfiableRangesLieInsideTheRepresentation(
            @ForAll @LongRange(min = 0, max = 1L << 40) long a,
            @ForAll @LongRange(min = 0, max = 1L << 40) long b,
            @ForAll @LongRange(min = 0, max = 1L << 40) long length) {
        for (String value : new String[] {"bytes=" + a + "-" + b, "bytes=" + a + "-", "bytes=-" + a}) {
            if (parse(value, length) == RangeResult.SATISFIABLE) {
                assertEquals(true, range.first() >= 0 && range.first() <= range.last() && range.last() < length, value);
            }
        }
        RangeResult closed = parse("bytes=" + a + "-" + b, length);
        assertEquals(
                b < a ? RangeResult.IGNORED : a >= length ? RangeResult.UNSATISFIABLE : RangeResult.SATISFIABLE,
                closed);
    }
}
