package dev.atlas.server.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.catalogue.ContentTypes;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PreconditionsTest {
    private static final byte[] ETAG = "\"v1\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] WEAK_ETAG = "W/\"v1\"".getBytes(StandardCharsets.US_ASCII);
    /** Sun, 06 Nov 1994 08:49:37 GMT */
    private static final long MODIFIED = 784111777L;

    private final HttpRequestParser parser = new HttpRequestParser(HttpLimits.DEFAULT);
    private final HttpRequest request = HttpRequestParserTest.newRequest(HttpLimits.DEFAULT);

    private HttpRequest parse(String method, String fields) {
        byte[] bytes =
                (method + " /v.mp4 HTTP/1.1\r\nHost: h\r\n" + fields + "\r\n").getBytes(StandardCharsets.US_ASCII);
        assertEquals(ParseResult.COMPLETE, parser.onData(request, MemorySegment.ofArray(bytes), 0, bytes.length));
        return request;
    }

    @Test
    void ifNoneMatch() {
        assertTrue(Preconditions.notModified(parse("GET", "If-None-Match: \"v1\"\r\n"), ETAG, MODIFIED));
        assertTrue(Preconditions.notModified(parse("HEAD", "If-None-Match: \"v0\", W/\"v1\"\r\n"), ETAG, MODIFIED));
        assertTrue(Preconditions.notModified(parse("GET", "If-None-Match: \"v1\"\r\n"), WEAK_ETAG, MODIFIED));
        assertTrue(Preconditions.notModified(parse("GET", "If-None-Match: *\r\n"), ETAG, MODIFIED));
        assertFalse(Preconditions.notModified(parse("GET", "If-None-Match: \"v2\"\r\n"), ETAG, MODIFIED));
        assertFalse(Preconditions.notModified(parse("GET", "If-None-Match: \"v1\r\n"), ETAG, MODIFIED));
        assertFalse(Preconditions.notModified(parse("GET", "If-None-Match: v1\r\n"), ETAG, MODIFIED));
        assertFalse(Preconditions.notModified(parse("DELETE", "If-None-Match: \"v1\"\r\n"), ETAG, MODIFIED));
        // If-None-Match wins over If-Modified-Since.
        assertFalse(Preconditions.notModified(
                parse("GET", "If-None-Match: \"v2\"\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"),
                ETAG,
                MODIFIED));
    }

    @Test
    void ifModifiedSince() {
        assertTrue(Preconditions.notModified(
                parse("GET", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"), ETAG, MODIFIED));
        assertTrue(Preconditions.notModified(
                parse("GET", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"), ETAG, MODIFIED - 1));
        assertFalse(Preconditions.notModified(
                parse("GET", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"), ETAG, MODIFIED + 1));
        assertFalse(Preconditions.notModified(parse("GET", "If-Modified-Since: yesterday\r\n"), ETAG, 0));
        assertFalse(Preconditions.notModified(parse("GET", ""), ETAG, MODIFIED));
    }

    @Test
    void ifRange() {
        assertTrue(Preconditions.rangeApplies(parse("GET", "Range: bytes=0-1\r\n"), ETAG, MODIFIED));
        assertTrue(Preconditions.rangeApplies(parse("GET", "If-Range: \"v1\"\r\n"), ETAG, MODIFIED));
        assertFalse(Preconditions.rangeApplies(parse("GET", "If-Range: \"v2\"\r\n"), ETAG, MODIFIED));
        assertFalse(Preconditions.rangeApplies(parse("GET", "If-Range: W/\"v1\"\r\n"), ETAG, MODIFIED));
        assertFalse(Preconditions.rangeApplies(parse("GET", "If-Range: \"v1\"\r\n"), WEAK_ETAG, MODIFIED));
        assertTrue(Preconditions.rangeApplies(
                parse("GET", "If-Range: Sun, 06 Nov 1994 08:49:37 GMT\r\n"), ETAG, MODIFIED));
        assertFalse(Preconditions.rangeApplies(
                parse("GET", "If-Range: Sun, 06 Nov 1994 08:49:37 GMT\r\n"), ETAG, MODIFIED + 1));
        assertFalse(Preconditions.rangeApplies(parse("GET", "If-Range: garbage\r\n"), ETAG, MODIFIED));
    }

    @Test
    void headerValuesComeFromTheCatalogueTable() {
        HeaderValueCache cache = new HeaderValueCache();
        byte[] ts = cache.bytes(ContentTypes.forName("hls/720p/seg_00001.ts"));
        assertArrayEquals("video/mp2t".getBytes(StandardCharsets.US_ASCII), ts);
        assertSame(ts, cache.bytes(ContentTypes.forName("other.ts")), "encoded once");
        assertArrayEquals(
                "text/plain?Set-Cookie: x".getBytes(StandardCharsets.US_ASCII),
                cache.bytes("text/plain\nSet-Cookie: x"),
                "no header splitting");
        assertEquals(2, cache.size());
    }
}
