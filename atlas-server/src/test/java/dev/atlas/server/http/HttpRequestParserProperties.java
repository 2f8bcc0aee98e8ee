package dev.atlas.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Properties of the incremental parser: splitting never changes the outcome; garbage never throws. */
class HttpRequestParserProperties {
    private static final HttpLimits LIMITS = new HttpLimits(1024, 16, 64);
    private static final Set<HttpStatus> PARSE_ERRORS = Set.of(
            HttpStatus.BAD_REQUEST,
            HttpStatus.CONTENT_TOO_LARGE,
            HttpStatus.URI_TOO_LONG,
            HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            HttpStatus.NOT_IMPLEMENTED,
            HttpStatus.HTTP_VERSION_NOT_SUPPORTED);

    /** What a completed request looked like, or the error it ended in. */
    record Outcome(
            String method,
            int minor,
            String target,
            String name,
            String host,
            String range,
            String ifNoneMatch,
            String ifModifiedSince,
            boolean keepAlive,
            int headers,
            long contentLength,
            HttpStatus error) {
        static Outcome of(HttpRequest r) {
            if (r.errorStatus() != null) {
                return new Outcome(null, 0, null, null, null, null, null, null, false, 0, 0, r.errorStatus());
            }
            return new Outcome(
                    r.method().name(),
                    r.minorVersion(),
                    r.text(r.targetOffset(), r.targetLength()),
                    r.nameText(),
                    r.text(r.hostOffset(), r.hostLength()),
                    r.hasRange() ? r.text(r.rangeOffset(), r.rangeLength()) : null,
                    r.text(r.ifNoneMatchOffset(), r.ifNoneMatchLength()),
                    r.text(r.ifModifiedSinceOffset(), r.ifModifiedSinceLength()),
                    r.keepAlive(),
                    r.headerCount(),
                    r.contentLength(),
                    null);
        }
    }

    /** Feeds {@code bytes} cut at {@code cuts}; returns every completed request and a final error, if any. */
    static List<Outcome> feed(byte[] bytes, int[] cuts) {
        HttpRequestParser parser = new HttpRequestParser(LIMITS);
        HttpRequest request = HttpRequestParserTest.newRequest(LIMITS);
        MemorySegment data = MemorySegment.ofArray(bytes);
        List<Outcome> outcomes = new ArrayList<>();
        int pieceStart = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int pieceEnd = i < cuts.length ? cuts[i] : bytes.length;
            int offset = pieceStart;
            while (offset < pieceEnd) {
                ParseResult result = parser.onData(request, data, offset, pieceEnd - offset);
                assertNotNull(result);
                assertTrue(request.consumed() >= 0 && request.consumed() <= pieceEnd - offset, "consumed in range");
                if (result == ParseResult.ERROR) {
                    assertTrue(PARSE_ERRORS.contains(request.errorStatus()), "status " + request.errorStatus());
                    assertNotNull(request.errorReason());
                    outcomes.add(Outcome.of(request));
                    return outcomes;
                }
                if (result == ParseResult.NEED_MORE) {
                    assertEquals(pieceEnd - offset, request.consumed());
                    break;
                }
                outcomes.add(Outcome.of(request));
                offset += request.consumed();
            }
            pieceStart = pieceEnd;
        }
        return outcomes;
    }

    static int[] cuts(int length, Random random, int count) {
        return random.ints(count, 0, length + 1).sorted().toArray();
    }

    @Property(tries = 300)
    void splitRequestsParseLikeWholeOnes(@ForAll("pipelines") byte[] bytes, @ForAll long seed) {
        List<Outcome> whole = feed(bytes, new int[0]);
        assertTrue(!whole.isEmpty() && whole.getLast().error() == null, "valid requests parse: " + whole);
        Random random = new Random(seed);
        assertEquals(whole, feed(bytes, cuts(bytes.length, random, 1 + random.nextInt(12))));
        int[] everyByte = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            everyByte[i] = i;
        }
        assertEquals(whole, feed(bytes, everyByte));
    }

    @Property(tries = 1000)
    void mutatedRequestsNeverThrow(@ForAll("pipelines") byte[] valid, @ForAll long seed) {
        Random random = new Random(seed);
        byte[] bytes = mutate(valid, random);
        List<Outcome> whole = feed(bytes, new int[0]);
        assertEquals(whole, feed(bytes, cuts(bytes.length, random, 1 + random.nextInt(8))));
    }

    @Property(tries = 300)
    void randomBytesNeverThrow(@ForAll byte[] bytes, @ForAll long seed) {
        feed(bytes, cuts(bytes.length, new Random(seed), 3));
    }

    private static final byte[] INTERESTING = "\r\n :%/.\u0000\t,-=\"".getBytes(StandardCharsets.ISO_8859_1);

    static byte[] mutate(byte[] valid, Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(valid);
        byte[] bytes = out.toByteArray();
        int mutations = 1 + random.nextInt(4);
        for (int m = 0; m < mutations && bytes.length > 0; m++) {
            int at = random.nextInt(bytes.length);
            byte b =
                    random.nextBoolean() ? INTERESTING[random.nextInt(INTERESTING.length)] : (byte) random.nextInt(256);
            switch (random.nextInt(3)) {
                case 0 -> bytes[at] = b;
                case 1 -> {
                    byte[] longer = new byte[bytes.length + 1];
                    System.arraycopy(bytes, 0, longer, 0, at);
                    longer[at] = b;
                    System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
                    bytes = longer;
                }
                default -> {
                    byte[] shorter = new byte[bytes.length - 1];
                    System.arraycopy(bytes, 0, shorter, 0, at);
                    System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
                    bytes = shorter;
                }
            }
        }
        return bytes;
    }

    @Provide
    Arbitrary<byte[]> pipelines() {
        return request()
                .list()
                .ofMinSize(1)
                .ofMaxSize(3)
                .map(list -> String.join("", list).getBytes(StandardCharsets.ISO_8859_1));
    }

    static Arbitrary<String> request() {
        Arbitrary<String> method = Arbitraries.of("GET", "HEAD", "OPTIONS", "DELETE", "M-SEARCH");
        Arbitrary<String> segment = Arbitraries.oneOf(
                Arbitraries.strings()
                        .withCharRange('a', 'z')
                        .withChars("0123456789-_.~!$&'()*+,;=:@")
                        .ofMinLength(1)
                        .ofMaxLength(12)
                        .filter(s -> !s.equals("..")),
                Arbitraries.of("%20", "%41", "%C3%A9", "%2F", "%25"));
        Arbitrary<String> path = segment.list().ofMaxSize(5).map(s -> "/" + String.join("/", s));
        Arbitrary<String> query = Arbitraries.strings()
                .withCharRange('a', 'z')
                .withChars("=&")
                .ofMaxLength(10)
                .injectNull(0.5)
                .map(q -> q == null ? "" : "?" + q);
        Arbitrary<String> version = Arbitraries.of("1.0", "1.1");
        Arbitrary<String> host = Arbitraries.of("edge.example", "198.18.0.1:8080", "[::1]", "");
        Arbitrary<String> extra = Arbitraries.of(
                "Range: bytes=0-1023\r\n",
                "range:bytes=-500 \r\n",
                "If-None-Match: \"e1\", W/\"e2\"\r\n",
                "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n",
                "Connection: close\r\n",
                "Connection: keep-alive\r\n",
                "User-Agent: test/1.0 (x; y)\r\n",
                "Accept: */*\r\n",
                "X-Empty:\r\n",
                "Cookie: a=b; c=d\r\n",
                "Content-Length: 0\r\n");
        Arbitrary<String> fields = extra.list().ofMaxSize(6).map(l -> String.join("", l));
        Arbitrary<Integer> body = Arbitraries.integers().between(0, LIMITS.skippedBodyBytes() > 0 ? 40 : 0);
        return Combinators.combine(method, path, query, version, host, fields, body)
                .as((m, p, q, v, h, f, b) -> m + " " + p + q + " HTTP/" + v + "\r\nHost: " + h + "\r\n" + f
                        + (b > 0 && !f.contains("Content-Length")
                                ? "Content-Length: " + b + "\r\n\r\n" + "x".repeat(b)
                                : "\r\n"));
    }
}
