package dev.atlas.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HttpRequestParserTest {
    private final HttpLimits limits = new HttpLimits(256, 8, 100);
    private final HttpRequestParser parser = new HttpRequestParser(limits);
    private final HttpRequest request = newRequest(limits);

    static HttpRequest newRequest(HttpLimits limits) {
        return new HttpRequest(
                MemorySegment.ofArray(new byte[limits.requestHeadBytes()]),
                MemorySegment.ofArray(new byte[limits.requestHeadBytes()]));
    }

    private ParseResult parse(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        return parser.onData(request, MemorySegment.ofArray(bytes), 0, bytes.length);
    }

    private void assertError(HttpStatus status, String text) {
        assertEquals(ParseResult.ERROR, parse(text), text);
        assertEquals(status, request.errorStatus(), request.errorReason());
    }

    @Test
    void simpleGet() {
        String text = "GET /hls/720p/seg%2042.ts?t=9 HTTP/1.1\r\nHost: edge.example\r\n"
                + "Range: bytes=0-99\r\nIf-None-Match: \"abc\"\r\n"
                + "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\nX-Other: 1\r\n\r\n";
        assertEquals(ParseResult.COMPLETE, parse(text));
        assertEquals(text.length(), request.consumed());
        assertEquals(HttpMethod.GET, request.method());
        assertEquals(1, request.minorVersion());
        assertEquals("/hls/720p/seg%2042.ts?t=9", request.text(request.targetOffset(), request.targetLength()));
        assertEquals("hls/720p/seg 42.ts", request.nameText());
        assertEquals("t=9", request.text(request.queryOffset(), request.queryLength()));
        assertEquals("edge.example", request.text(request.hostOffset(), request.hostLength()));
        assertEquals("bytes=0-99", request.text(request.rangeOffset(), request.rangeLength()));
        assertEquals("\"abc\"", request.text(request.ifNoneMatchOffset(), request.ifNoneMatchLength()));
        assertEquals(
                "Sun, 06 Nov 1994 08:49:37 GMT",
                request.text(request.ifModifiedSinceOffset(), request.ifModifiedSinceLength()));
        assertEquals(5, request.headerCount());
        assertTrue(request.keepAlive());
        assertNull(request.errorStatus());
    }

    @Test
    void headAndOtherMethodsAndHttp10() {
        assertEquals(ParseResult.COMPLETE, parse("HEAD /a HTTP/1.0\r\n\r\n"));
        assertEquals(HttpMethod.HEAD, request.method());
        assertEquals(0, request.minorVersion());
        assertFalse(request.keepAlive());
        assertEquals(ParseResult.COMPLETE, parse("DELETE /a HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
        assertEquals(HttpMethod.OTHER, request.method());
        assertTrue(request.keepAlive());
        assertEquals(ParseResult.COMPLETE, parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"));
        assertEquals(HttpMethod.OPTIONS, request.method());
        assertEquals(ParseResult.COMPLETE, parse("OPTIONS /v/seg.ts HTTP/1.1\r\nHost: h\r\n\r\n"));
        assertEquals(HttpMethod.OPTIONS, request.method());
        assertEquals(ParseResult.COMPLETE, parse("TRACE * HTTP/1.1\r\nHost: h\r\n\r\n"));
        assertEquals(HttpMethod.OTHER, request.method());
    }

    @Test
    void connectionClose() {
        assertEquals(ParseResult.COMPLETE, parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, CLOSE\r\n\r\n"));
        assertFalse(request.keepAlive());
        assertEquals(0, request.nameLength());
    }

    @Test
    void absoluteFormTarget() {
        assertEquals(ParseResult.COMPLETE, parse("GET http://edge.example:8080/v/a.mp4 HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals("v/a.mp4", request.nameText());
    }

    @Test
    void pipelinedRequestsFollowEachOther() {
        byte[] bytes = ("GET /one HTTP/1.1\r\nHost: h\r\n\r\n"
                        + "GET /two HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
                        + "HEAD /three HTTP/1.1\r\nHost: h\r\n\r\nGET /fo")
                .getBytes(StandardCharsets.US_ASCII);
        MemorySegment data = MemorySegment.ofArray(bytes);
        int offset = 0;
        String[] names = {"one", "two", "three"};
        for (String name : names) {
            assertEquals(ParseResult.COMPLETE, parser.onData(request, data, offset, bytes.length - offset));
            assertEquals(name, request.nameText());
            offset += request.consumed();
        }
        assertEquals(ParseResult.NEED_MORE, parser.onData(request, data, offset, bytes.length - offset));
        byte[] rest = "o HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(ParseResult.COMPLETE, parser.onData(request, MemorySegment.ofArray(rest), 0, rest.length));
        assertEquals("foo", request.nameText());
    }

    @Test
    void leadingEmptyLinesAreSkipped() {
        assertEquals(ParseResult.COMPLETE, parse("\r\n\r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n"));
        assertEquals("x", request.nameText());
    }

    @Test
    void badRequests() {
        String[] bad = {
            "GET /x HTTP/1.1\nHost: h\r\n\r\n", // bare LF
            "GET /x HTTP/1.1\r\nHost: h\n\r\n", // bare LF in a field
            "GET /x\rHTTP/1.1\r\nHost: h\r\n\r\n", // bare CR
            "GET  /x HTTP/1.1\r\nHost: h\r\n\r\n", // two spaces
            "G(T /x HTTP/1.1\r\nHost: h\r\n\r\n", // method not a token
            "GET /x HTTP/1.1 \r\nHost: h\r\n\r\n", // trailing space
            "GET /x HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", // obs-fold
            "GET /x HTTP/1.1\r\nHost : h\r\n\r\n", // space before colon
            "GET /x HTTP/1.1\r\nHo(st: h\r\n\r\n", // bad name
            "GET /x HTTP/1.1\r\n: h\r\n\r\n", // empty name
            "GET /x HTTP/1.1\r\nHost h\r\n\r\n", // no colon
            "GET /x HTTP/1.1\r\nHost: h\u0001\r\n\r\n", // control byte in value
            "GET /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n",
            "GET /x HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
            "GET /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "GET /x HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n",
            "GET /x HTTP/1.1\r\n\r\n", // no Host in 1.1
            "GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "GET /a/../etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /a/%2e%2E/b HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /..%2fb HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /a%00b HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /a%4 HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /a%zz HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n", // not origin-form
            "GET * HTTP/1.1\r\nHost: h\r\n\r\n", // asterisk with GET
            "GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /x HTTX/1.1\r\nHost: h\r\n\r\n",
            "GET /x HTTP/1.10\r\nHost: h\r\n\r\n",
            "GET /x\r\n\r\n", // HTTP/0.9
            "GET /x HTTP/1.1\r\n Host: h\r\n\r\n", // whitespace before first field
        };
        for (String text : bad) {
            request.reset();
            assertError(HttpStatus.BAD_REQUEST, text);
        }
    }

    @Test
    void errorIsSticky() {
        assertError(HttpStatus.BAD_REQUEST, "GET /x HTTP/1.1\n");
        assertEquals(ParseResult.ERROR, parse("GET /x HTTP/1.1\r\nHost: h\r\n\r\n"));
        request.reset();
        assertEquals(ParseResult.COMPLETE, parse("GET /x HTTP/1.1\r\nHost: h\r\n\r\n"));
    }

    @Test
    void versionNotSupported() {
        assertError(HttpStatus.HTTP_VERSION_NOT_SUPPORTED, "GET /x HTTP/2.0\r\nHost: h\r\n\r\n");
        request.reset();
        assertError(HttpStatus.HTTP_VERSION_NOT_SUPPORTED, "GET /x HTTP/0.9\r\nHost: h\r\n\r\n");
    }

    @Test
    void laterMinorVersionIsServedAsHttp11() {
        assertEquals(ParseResult.COMPLETE, parse("GET /x HTTP/1.2\r\nHost: h\r\n\r\n"));
        assertEquals(1, request.minorVersion());
        assertTrue(request.keepAlive());
        request.reset();
        assertError(HttpStatus.BAD_REQUEST, "GET /x HTTP/1.9\r\n\r\n"); // a 1.1 request still needs Host
    }

    @Test
    void transferEncodingIsNotImplemented() {
        assertError(HttpStatus.NOT_IMPLEMENTED, "GET /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
    }

    @Test
    void uriTooLong() {
        assertError(HttpStatus.URI_TOO_LONG, "GET /" + "a".repeat(300) + " HTTP/1.1\r\nHost: h\r\n\r\n");
    }

    @Test
    void headersTooLarge() {
        assertError(
                HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                "GET /x HTTP/1.1\r\nHost: h\r\nCookie: " + "c".repeat(250) + "\r\n\r\n");
    }

    @Test
    void tooManyHeaders() {
        StringBuilder text = new StringBuilder("GET /x HTTP/1.1\r\nHost: h\r\n");
        for (int i = 0; i < 8; i++) {
            text.append("X-").append(i).append(": v\r\n");
        }
        assertError(
                HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, text.append("\r\n").toString());
    }

    @Test
    void bodyTooLarge() {
        assertError(HttpStatus.CONTENT_TOO_LARGE, "GET /x HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n");
    }

    @Test
    void bodyIsSkippedAcrossPieces() {
        assertEquals(ParseResult.NEED_MORE, parse("GET /x HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n12345"));
        assertEquals(ParseResult.NEED_MORE, parse("678"));
        assertEquals(ParseResult.COMPLETE, parse("90GET"));
        assertEquals(2, request.consumed());
        assertEquals(10, request.contentLength());
    }

    /**
     * RFC 9110 §10.1.1: a client that expects 100 Continue waits before sending its body, so the
     * server must answer at once rather than wait for the body; it then closes, since whether
     * the body follows is unknown.
     */
    @Test
    void expectContinueCompletesAtTheEndOfTheHeadAndCloses() {
        final String head =
                "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 3000000\r\nExpect: 100-Continue\r\n\r\n";
        assertEquals(ParseResult.COMPLETE, parse(head + "abc"));
        assertEquals(head.length(), request.consumed());
        assertEquals(HttpMethod.OTHER, request.method());
        assertFalse(request.keepAlive());
        request.reset();
        assertEquals(ParseResult.COMPLETE, parse("GET /x HTTP/1.1\r\nHost: h\r\nexpect: 100-continue\r\n\r\n"));
        assertTrue(request.keepAlive(), "no body: nothing to expect, the connection stays open");
    }

    @Test
    void expectContinueIsIgnoredInHttp10() {
        assertEquals(
                ParseResult.NEED_MORE,
                parse("POST /x HTTP/1.0\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n12345"));
        assertEquals(ParseResult.COMPLETE, parse("67890"));
    }

    @Test
    void multipleRangeFieldsAreIgnored() {
        assertEquals(
                ParseResult.COMPLETE,
                parse("GET /x HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1\r\nrange: bytes=5-6\r\n\r\n"));
        assertFalse(request.hasRange());
    }
}
