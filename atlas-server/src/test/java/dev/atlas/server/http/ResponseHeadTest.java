package dev.atlas.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResponseHeadTest {
    private static final String DATE = "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n";
    private final ResponseHead head = new ResponseHead(new CachedDate(() -> 784111777_123L), "atlas");
    private final ErrorResponses errors = new ErrorResponses(head);
    private final byte[] out = new byte[1024];
    private final MemorySegment buffer = MemorySegment.ofArray(out);

    private String text(int offset, int length) {
        assertTrue(length > 0, "written");
        return new String(out, offset, length, StandardCharsets.US_ASCII);
    }

    @Test
    void partialContentHead() {
        int length = head.wrap(buffer, 10, 1000)
                .status(HttpStatus.PARTIAL_CONTENT)
                .date()
                .server()
                .contentType("video/mp2t".getBytes(StandardCharsets.US_ASCII))
                .contentLength(100)
                .contentRange(900, 999, 1000)
                .etag("\"abc\"".getBytes(StandardCharsets.US_ASCII))
                .lastModified(0)
                .acceptRanges()
                .cors()
                .cacheControl("max-age=60".getBytes(StandardCharsets.US_ASCII))
                .connection(true)
                .end();
        assertEquals(
                "HTTP/1.1 206 Partial Content\r\n" + DATE + "Server: atlas\r\n"
                        + "Content-Type: video/mp2t\r\nContent-Length: 100\r\nContent-Range: bytes 900-999/1000\r\n"
                        + "ETag: \"abc\"\r\nLast-Modified: Thu, 01 Jan 1970 00:00:00 GMT\r\nAccept-Ranges: bytes\r\n"
                        + "Access-Control-Allow-Origin: *\r\n"
                        + "Access-Control-Expose-Headers: Content-Range, Content-Length, ETag, Accept-Ranges\r\n"
                        + "Cache-Control: max-age=60\r\nConnection: keep-alive\r\n\r\n",
                text(10, length));
    }

    @Test
    void decimals() {
        long[] values = {0, 7, 10, 99, 100, 1234567890123L, Long.MAX_VALUE};
        for (long value : values) {
            int length = head.wrap(buffer, 0, 1000)
                    .status(HttpStatus.OK)
                    .contentLength(value)
                    .end();
            assertEquals("HTTP/1.1 200 OK\r\nContent-Length: " + value + "\r\n\r\n", text(0, length));
        }
    }

    @Test
    void overflowIsReported() {
        assertEquals(-1, head.wrap(buffer, 0, 20).status(HttpStatus.OK).date().end());
        assertEquals(-1, head.wrap(buffer, 1010, 1000).status(HttpStatus.OK).end());
        int exact = head.wrap(buffer, 0, 1000)
                .status(HttpStatus.OK)
                .contentLength(12345)
                .end();
        assertEquals(
                exact,
                head.wrap(buffer, 0, exact)
                        .status(HttpStatus.OK)
                        .contentLength(12345)
                        .end());
        assertEquals(
                -1,
                head.wrap(buffer, 0, exact - 1)
                        .status(HttpStatus.OK)
                        .contentLength(12345)
                        .end());
    }

    private static final String ERROR_FIELDS = DATE + "Server: atlas\r\nAccess-Control-Allow-Origin: *\r\n"
            + "Access-Control-Expose-Headers: Content-Range, Content-Length, ETag, Accept-Ranges\r\n"
            + "Cache-Control: no-store\r\n";

    @Test
    void cannedErrors() {
        assertEquals(
                "HTTP/1.1 404 Not Found\r\n" + ERROR_FIELDS + "Connection: keep-alive\r\n"
                        + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 14\r\n\r\n404 Not Found\n",
                text(0, errors.notFound(buffer, 0, 1024, true, true)));
        assertEquals(
                "HTTP/1.1 404 Not Found\r\n" + ERROR_FIELDS + "Connection: keep-alive\r\n"
                        + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 14\r\n\r\n",
                text(0, errors.notFound(buffer, 0, 1024, true, false)));
        assertEquals(
                "HTTP/1.1 405 Method Not Allowed\r\n" + ERROR_FIELDS + "Connection: keep-alive\r\n"
                        + "Allow: GET, HEAD\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 23\r\n\r\n"
                        + "405 Method Not Allowed\n",
                text(0, errors.methodNotAllowed(buffer, 0, 1024, true)));
        assertEquals(
                "HTTP/1.1 416 Range Not Satisfiable\r\n" + ERROR_FIELDS + "Connection: keep-alive\r\n"
                        + "Content-Range: bytes */1000\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 26\r\n\r\n"
                        + "416 Range Not Satisfiable\n",
                text(0, errors.rangeNotSatisfiable(buffer, 0, 1024, true, true, 1000)));
        assertEquals(
                "HTTP/1.1 503 Service Unavailable\r\n" + ERROR_FIELDS + "Connection: close\r\n"
                        + "Retry-After: 5\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 24\r\n\r\n"
                        + "503 Service Unavailable\n",
                text(0, errors.serviceUnavailable(buffer, 0, 1024, true, 5)));
        assertEquals(-1, errors.notFound(buffer, 0, 100, true, true));
    }

    @Test
    void parseErrorsCloseTheConnection() {
        HttpLimits limits = new HttpLimits(64, 4, 0);
        HttpRequest request = HttpRequestParserTest.newRequest(limits);
        byte[] bad = ("GET /x HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        assertEquals(
                ParseResult.ERROR,
                new HttpRequestParser(limits).onData(request, MemorySegment.ofArray(bad), 0, bad.length));
        assertEquals(
                "HTTP/1.1 431 Request Header Fields Too Large\r\n" + ERROR_FIELDS + "Connection: close\r\n"
                        + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 36\r\n\r\n"
                        + "431 Request Header Fields Too Large\n",
                text(0, errors.parseError(buffer, 0, 1024, request)));
    }
}
