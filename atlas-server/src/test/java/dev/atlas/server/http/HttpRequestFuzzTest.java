package dev.atlas.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing (Jazzer) of what a connection's bytes go through before a response:
 * {@link HttpRequestParser}, then {@link ByteRange}, {@link Preconditions} and {@link HttpDate}
 * on what it recorded. For any bytes, fed whole, byte by byte or in random pieces: nothing
 * throws, every call ends COMPLETE (having taken at least one byte), NEED_MORE (having taken
 * all) or ERROR (with a parse error status and reason, and it stays in error), the three
 * feedings agree on every request and on the error, and no decoded name holds a NUL or a ".."
 * segment. Ranges resolve as RFC 9110 says (checked against a plain string reading of it), and
 * parsed dates survive a round trip.
 *
 * <p>Input: byte 0 picks the {@link HttpLimits} (bits 0-1) and seeds the random cuts (bits 2-7);
 * the rest is what the client sent. Seeds and regression inputs live in
 * {@code src/test/resources/dev/atlas/server/http/HttpRequestFuzzTestInputs/requests}; how to fuzz
 * by hand is in {@code TcpStackFuzzTest}'s documentation (without the instrumentation excludes).
 */
class HttpRequestFuzzTest {
    private static final HttpLimits[] LIMITS = {
        new HttpLimits(64, 2, 0), new HttpLimits(256, 8, 16), new HttpLimits(1024, 16, 1024), HttpLimits.DEFAULT
    };
    private static final Set<HttpStatus> PARSE_ERRORS = Set.of(
            HttpStatus.BAD_REQUEST,
            HttpStatus.CONTENT_TOO_LARGE,
            HttpStatus.URI_TOO_LONG,
            HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            HttpStatus.NOT_IMPLEMENTED,
            HttpStatus.HTTP_VERSION_NOT_SUPPORTED);
    private static final int MAX_CUTS = 8;
    /** Representation lengths a Range is resolved against. */
    private static final long[] LENGTHS = {0, 1, 1000, 1L << 40, Long.MAX_VALUE};

    private static final byte[][] ETAGS = {Ascii.bytes("\"abc\""), Ascii.bytes("W/\"abc\""), Ascii.bytes("\"\"")};
    /** Last-Modified values: the epoch, RFC 9110's example date, the largest date there is. */
    private static final long[] MODIFIED = {0, 784_111_777L, HttpDate.toEpochSecond(9999, 12, 31, 23, 59, 59)};

    /**
     * A completed request as the responder would see it and where in the stream it ended, or the
     * error the bytes ended in (where the parser stopped looking may differ with the cuts).
     */
    record Outcome(HttpRequestParserProperties.Outcome request, int end, String reason) {}

    // No CR, LF or TAB in entries: Jazzer 0.30.0 writes them unescaped into libFuzzer's line-based
    // dictionary file, which libFuzzer then refuses ("ParseDictionaryFile: error in line 3").
    @DictionaryEntries({
        "GET ",
        "HEAD ",
        " HTTP/1.1",
        " HTTP/1.0",
        "Host: ",
        "Range: ",
        "bytes=",
        "If-None-Match: ",
        "If-Modified-Since: ",
        "If-Range: ",
        "Content-Length: ",
        "Transfer-Encoding: ",
        "Connection: ",
        "close",
        "keep-alive",
        "Expect: ",
        "100-continue",
        "W/\"",
        "\"abc\"",
        "http://",
        "%2e",
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994"
    })
    @FuzzTest(maxDuration = "40s")
    @Timeout(10)
    void requests(byte[] input) {
        if (input.length == 0) {
            return;
        }
        HttpLimits limits = LIMITS[input[0] & 3];
        byte[] bytes = Arrays.copyOfRange(input, 1, input.length);
        List<Outcome> whole = feed(limits, bytes, new int[0]);
        int[] everyByte = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            everyByte[i] = i;
        }
        assertEquals(whole, feed(limits, bytes, everyByte), "byte by byte as whole");
        SplittableRandom random = new SplittableRandom((input[0] & 0xFF) >>> 2);
        int[] cuts = random.ints(1 + random.nextInt(MAX_CUTS), 0, bytes.length + 1)
                .sorted()
                .toArray();
        assertEquals(whole, feed(limits, bytes, cuts), "in pieces as whole");

        MemorySegment raw = MemorySegment.ofArray(bytes);
        ranges(raw, 0, bytes.length);
        dates(raw, 0, bytes.length);
        for (byte[] etag : ETAGS) {
            Preconditions.anyTagMatches(raw, 0, bytes.length, etag);
        }
    }

    /** Feeds {@code bytes} cut before each index in {@code cuts}, checking every call; returns what each request came to. */
    private static List<Outcome> feed(HttpLimits limits, byte[] bytes, int[] cuts) {
        HttpRequestParser parser = new HttpRequestParser(limits);
        HttpRequest request = HttpRequestParserTest.newRequest(limits);
        MemorySegment data = MemorySegment.ofArray(bytes);
        List<Outcome> outcomes = new ArrayList<>();
        int taken = 0;
        int pieceStart = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int pieceEnd = i < cuts.length ? cuts[i] : bytes.length;
            int offset = pieceStart;
            while (offset < pieceEnd) {
                int length = pieceEnd - offset;
                ParseResult result = parser.onData(request, data, offset, length);
                assertNotNull(result);
                int consumed = request.consumed();
                assertTrue(consumed >= 0 && consumed <= length, "consumed " + consumed + " of " + length);
                if (result == ParseResult.ERROR) {
                    assertTrue(PARSE_ERRORS.contains(request.errorStatus()), "error status " + request.errorStatus());
                    assertNotNull(request.errorReason());
                    outcomes.add(
                            new Outcome(HttpRequestParserProperties.Outcome.of(request), -1, request.errorReason()));
                    assertEquals(
                            ParseResult.ERROR, parser.onData(request, data, offset, length), "an error stays an error");
                    assertEquals(0, request.consumed());
                    return outcomes;
                }
                taken += consumed;
                if (result == ParseResult.NEED_MORE) {
                    assertEquals(length, consumed, "NEED_MORE takes the whole piece");
                    break;
                }
                assertTrue(consumed > 0, "COMPLETE takes at least one byte, or a pipelining loop would never end");
                checkName(request);
                outcomes.add(new Outcome(HttpRequestParserProperties.Outcome.of(request), taken, null));
                respond(request);
                offset += consumed;
            }
            pieceStart = pieceEnd;
        }
        return outcomes;
    }

    /** The decoded name a responder looks up never holds a NUL byte or a ".." segment. */
    private static void checkName(HttpRequest request) {
        MemorySegment name = request.name();
        int segmentStart = 0;
        for (int i = 0; i <= request.nameLength(); i++) {
            if (i == request.nameLength() || name.get(ValueLayout.JAVA_BYTE, i) == '/') {
                boolean dotDot = i - segmentStart == 2
                        && name.get(ValueLayout.JAVA_BYTE, segmentStart) == '.'
                        && name.get(ValueLayout.JAVA_BYTE, segmentStart + 1) == '.';
                assertTrue(!dotDot, "a '..' segment in " + request.nameText());
                segmentStart = i + 1;
            } else {
                assertTrue(name.get(ValueLayout.JAVA_BYTE, i) != 0, "a NUL byte in " + request.nameText());
            }
        }
    }

    /** What a responder does with a complete request's recorded fields. */
    private static void respond(HttpRequest request) {
        for (byte[] etag : ETAGS) {
            for (long modified : MODIFIED) {
                Preconditions.notModified(request, etag, modified);
                Preconditions.rangeApplies(request, etag, modified);
            }
        }
        if (request.hasRange()) {
            ranges(request.buffer(), request.rangeOffset(), request.rangeLength());
        }
        if (request.hasIfModifiedSince()) {
            dates(request.buffer(), request.ifModifiedSinceOffset(), request.ifModifiedSinceLength());
        }
    }

    /** A range resolves as {@link #expectedRange} says (a satisfiable one lies inside the representation). */
    private static void ranges(MemorySegment text, int offset, int length) {
        ByteRange range = new ByteRange();
        String value =
                new String(text.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.ISO_8859_1);
        for (long complete : LENGTHS) {
            RangeResult result = range.parse(text, offset, length, complete);
            assertNotNull(result);
            if (result == RangeResult.SATISFIABLE) {
                assertTrue(
                        0 <= range.first() && range.first() <= range.last() && range.last() < complete,
                        "range " + range.first() + "-" + range.last() + " of " + complete);
                assertTrue(range.length() >= 1);
            }
            long[] expected = expectedRange(value, complete);
            if (expected != null) {
                String what = "Range '" + value + "' of " + complete;
                assertEquals(RangeResult.values()[(int) expected[0]], result, what);
                if (result == RangeResult.SATISFIABLE) {
                    assertEquals(expected[1], range.first(), what);
                    assertEquals(expected[2], range.last(), what);
                }
            }
        }
    }

    /**
     * RFC 9110 §14.1-14.2 spelled out with strings, as the server applies it: "bytes" (any case),
     * '=', a comma list (empty elements and SP/HTAB around them allowed) of exactly one range
     * that is {@code a-b}, {@code a-} or {@code -n}; anything else is ignored. Returns
     * {result ordinal, first, last}, or null where a number has more than 18 significant digits
     * (the parser saturates those; no representation is that long).
     */
    static long[] expectedRange(String value, long complete) {
        long[] ignored = {RangeResult.IGNORED.ordinal(), 0, 0};
        String unit = "bytes=";
        if (value.length() < unit.length() || !value.regionMatches(true, 0, unit, 0, unit.length())) {
            return ignored;
        }
        List<String> specs = new ArrayList<>();
        for (String element : value.substring(unit.length()).split(",", -1)) {
            String trimmed = trimWhitespace(element);
            if (!trimmed.isEmpty()) {
                specs.add(trimmed);
            }
        }
        if (specs.size() != 1) {
            return ignored;
        }
        String spec = specs.getFirst();
        int dash = spec.indexOf('-');
        if (dash < 0 || !digits(spec.substring(0, dash)) || !digits(spec.substring(dash + 1))) {
            return ignored;
        }
        String a = spec.substring(0, dash);
        String b = spec.substring(dash + 1);
        if (a.isEmpty() && b.isEmpty() || significant(a) > 18 || significant(b) > 18) {
            return a.isEmpty() && b.isEmpty() ? ignored : null;
        }
        if (a.isEmpty()) {
            long suffix = Long.parseLong(b);
            if (suffix == 0) {
                return new long[] {RangeResult.UNSATISFIABLE.ordinal(), 0, 0};
            }
            return complete == 0
                    ? ignored
                    : new long[] {RangeResult.SATISFIABLE.ordinal(), Math.max(0, complete - suffix), complete - 1};
        }
        long first = Long.parseLong(a);
        if (!b.isEmpty() && Long.parseLong(b) < first) {
            return ignored;
        }
        if (first >= complete) {
            return new long[] {RangeResult.UNSATISFIABLE.ordinal(), 0, 0};
        }
        return new long[] {
            RangeResult.SATISFIABLE.ordinal(),
            first,
            b.isEmpty() ? complete - 1 : Math.min(Long.parseLong(b), complete - 1)
        };
    }

    private static String trimWhitespace(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
            from++;
        }
        while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
            to--;
        }
        return s.substring(from, to);
    }

    private static boolean digits(String s) {
        return s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static int significant(String digits) {
        int i = 0;
        while (i < digits.length() && digits.charAt(i) == '0') {
            i++;
        }
        return digits.length() - i;
    }

    /** A date that parses formats back to one that parses to the same second. */
    private static void dates(MemorySegment text, int offset, int length) {
        long seconds = HttpDate.parse(text, offset, length);
        if (seconds != HttpDate.INVALID) {
            byte[] formatted = new byte[HttpDate.LENGTH];
            HttpDate.format(seconds, formatted, 0);
            assertEquals(
                    seconds,
                    HttpDate.parse(MemorySegment.ofArray(formatted), 0, formatted.length),
                    "round trip of " + new String(formatted, StandardCharsets.ISO_8859_1));
        }
    }
}
