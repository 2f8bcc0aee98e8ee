package dev.atlas.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.agrona.concurrent.EpochClock;
import org.junit.jupiter.api.Test;

class HttpDateTest {
    private static long parse(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        return HttpDate.parse(MemorySegment.ofArray(bytes), 0, bytes.length);
    }

    private static String format(long epochSecond) {
        byte[] out = new byte[HttpDate.LENGTH];
        HttpDate.format(epochSecond, out, 0);
        return new String(out, StandardCharsets.US_ASCII);
    }

    @Test
    void rfcExample() {
        assertEquals("Sun, 06 Nov 1994 08:49:37 GMT", format(784111777L));
        assertEquals(784111777L, parse("Sun, 06 Nov 1994 08:49:37 GMT"));
        assertEquals(784111777L, parse("Sunday, 06-Nov-94 08:49:37 GMT"));
        assertEquals(784111777L, parse("Sun Nov  6 08:49:37 1994"));
        assertEquals("Thu, 01 Jan 1970 00:00:00 GMT", format(0));
        assertEquals("Tue, 29 Feb 2000 23:59:59 GMT", format(951868799L));
    }

    @Test
    void invalidDates() {
        String[] invalid = {
            "",
            "yesterday",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Xyz 1994 08:49:37 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:49:37 GMT",
            "Sun, 06 Nov 1994 08-49-37 GMT",
            "Sun, 0x Nov 1994 08:49:37 GMT",
            "Fun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 UTC",
            "Sun Nov  6 08:49:37 19x4",
            "Sun, 06 Nov 1994 08:49:37 GMT "
        };
        for (String text : invalid) {
            assertEquals(HttpDate.INVALID, parse(text), text);
        }
    }

    @Property(tries = 2000)
    void formatsLikeJavaTimeAndParsesBack(
            @ForAll @LongRange(min = -62_135_596_800L, max = 253_402_300_799L) long second) {
        String expected =
                DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC).format(Instant.ofEpochSecond(second));
        String ours = format(second);
        // java.time writes one-digit days and years below 1000 without padding; compare fields that agree.
        if (expected.length() == HttpDate.LENGTH) {
            assertEquals(expected, ours);
        }
        assertEquals(second, parse(ours));
    }

    @Test
    void cachedDateChangesOncePerSecond() {
        long[] now = {784111777_000L};
        EpochClock clock = () -> now[0];
        CachedDate date = new CachedDate(clock);
        byte[] first = date.now();
        assertEquals("Sun, 06 Nov 1994 08:49:37 GMT", new String(first, StandardCharsets.US_ASCII));
        now[0] += 999;
        assertEquals("Sun, 06 Nov 1994 08:49:37 GMT", new String(date.now(), StandardCharsets.US_ASCII));
        now[0] += 1;
        assertEquals("Sun, 06 Nov 1994 08:49:38 GMT", new String(date.now(), StandardCharsets.US_ASCII));
    }
}
