package dev.atlas.server.mgmt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.server.http.HttpLimits;
import dev.atlas.server.http.HttpRequest;
import dev.atlas.server.http.HttpRequestParser;
import dev.atlas.server.http.HttpStatus;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessLogFlusherTest {
    private final HttpRequestParser parser = new HttpRequestParser(HttpLimits.DEFAULT);

    private HttpRequest parse(String text) {
        HttpRequest request =
                new HttpRequest(MemorySegment.ofArray(new byte[1024]), MemorySegment.ofArray(new byte[1024]));
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        parser.onData(request, MemorySegment.ofArray(bytes), 0, bytes.length);
        return request;
    }

    @Test
    void lanesLogToOneFileInCommonLogFormat(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("access.log");
        HttpRequest range = parse("GET /v/seg1.ts HTTP/1.1\r\nHost: h\r\nRange: bytes=0-999\r\n\r\n");
        HttpRequest odd = parse("GET /q\"\\\u00e9 HTTP/1.0\r\n\r\n");
        HttpRequest broken = parse("BAD\r\n");
        try (AccessLogFlusher log = AccessLogFlusher.toFile(file, 2, 64 * 1024, () -> 784111777_000L);
                AtlasMetrics metrics = new AtlasMetrics()) {
            log.registerMetrics(metrics);
            log.writer(0).log(range, 0xC6120002, HttpStatus.PARTIAL_CONTENT, 1310, 123_456);
            log.writer(1).log(odd, 0xC6120003, HttpStatus.NOT_FOUND, 200, 1_000_000_000);
            log.writer(1).log(broken, 0xC6120003, HttpStatus.BAD_REQUEST, 150, 0);
            assertTrue(metrics.scrape().contains("atlas_access_log_records_total{lane=\"1\"} 2.0"), metrics.scrape());
            log.close();
            assertNull(log.failure());
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(
                lines.contains(
                        "198.18.0.2 - - [06/Nov/1994:08:49:37 +0000] \"GET /v/seg1.ts HTTP/1.1\" 206 1310 0.000123"),
                lines.toString());
        assertTrue(
                lines.contains(
                        "198.18.0.3 - - [06/Nov/1994:08:49:37 +0000] \"GET /q\\x22\\x5c\\xe9 HTTP/1.0\" 404 200 1.000000"),
                lines.toString());
        assertTrue(
                lines.contains("198.18.0.3 - - [06/Nov/1994:08:49:37 +0000] \"BAD\" 400 150 0.000000"),
                lines.toString());
    }

    /** Agrona checks a ring's buffer when the ring is made: a byte[] gets a complaint on stderr (or a throw when strict). */
    @Test
    void ringsLiveInAlignedMemory() throws Exception {
        final java.io.PrintStream stderr = System.err;
        final java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try (AccessLogFlusher log =
                AccessLogFlusher.toWriter(java.io.Writer.nullWriter(), 2, 64 * 1024, System::currentTimeMillis)) {
            assertNull(log.failure());
        } finally {
            System.setErr(stderr);
        }
        assertEquals("", captured.toString(StandardCharsets.UTF_8));
    }

    @Test
    void unopenableFileIsAnOperatorError(@TempDir Path dir) {
        UncheckedIOException error = assertThrows(
                UncheckedIOException.class,
                () -> AccessLogFlusher.toFile(
                        dir.resolve("missing/access.log"), 1, 64 * 1024, System::currentTimeMillis));
        assertEquals(
                "cannot open the access log " + dir.resolve("missing/access.log") + ": its directory does not exist; "
                        + "check the directory exists and is writable, or turn the access log off",
                error.getMessage());
        UncheckedIOException directory = assertThrows(
                UncheckedIOException.class,
                () -> AccessLogFlusher.toFile(dir, 1, 64 * 1024, System::currentTimeMillis));
        assertTrue(
                directory.getMessage().startsWith("cannot open the access log " + dir + ": Is a directory;"),
                directory.getMessage());
    }
}
