package dev.atlas.server.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * curl, a real HTTP client, against the parser and head writer: a small kernel-socket server on
 * loopback (test scaffolding only: the appliance serves through its own TCP stack) answers with
 * {@link HttpRequestParser}, {@link ByteRange}, {@link Preconditions}, {@link ResponseHead} and
 * {@link ErrorResponses}; curl checks framing, ranges, keep-alive and errors; bytes are compared.
 */
class CurlInteropTest {
    private static final String NAME = "vod/a b.ts";
    private static final byte[] ETAG = "\"e1\"".getBytes(StandardCharsets.US_ASCII);
    private static final long MODIFIED = 784111777L;
    private static final byte[] CONTENT = new byte[100_000];
    private static final int SOCKET_TIMEOUT_MILLIS = 10_000;

    static {
        for (int i = 0; i < CONTENT.length; i++) {
            CONTENT[i] = (byte) (i * 31 + 7);
        }
    }

    private static ServerSocket listener;
    private static Thread serverThread;
    private static final AtomicInteger CONNECTIONS = new AtomicInteger();
    private static final AtomicInteger REQUESTS = new AtomicInteger();
    private static String curl;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws IOException {
        curl = findOnPath("curl");
        if (curl == null && "true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError("curl is not installed; ./atlas test installs it (Debian package curl)");
        }
        Assumptions.assumeTrue(curl != null, "curl not installed; skipping the interop test");
        listener = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        serverThread = new Thread(CurlInteropTest::serve, "curl-interop-server");
        serverThread.setDaemon(true);
        serverThread.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (listener != null) {
            listener.close();
            serverThread.join(SOCKET_TIMEOUT_MILLIS);
        }
    }

    private static void serve() {
        HttpRequestParser parser = new HttpRequestParser(HttpLimits.DEFAULT);
        HttpRequest request = HttpRequestParserTest.newRequest(HttpLimits.DEFAULT);
        ResponseHead head = new ResponseHead(new CachedDate(SystemEpochClock.INSTANCE), "atlas");
        ErrorResponses errors = new ErrorResponses(head);
        ByteRange range = new ByteRange();
        byte[] headBytes = new byte[2048];
        MemorySegment headSegment = MemorySegment.ofArray(headBytes);
        byte[] input = new byte[1500];
        MemorySegment inputSegment = MemorySegment.ofArray(input);
        while (!listener.isClosed()) {
            try (Socket socket = listener.accept()) {
                CONNECTIONS.incrementAndGet();
                socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
                request.reset();
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                boolean open = true;
                while (open) {
                    int n = in.read(input);
                    if (n < 0) {
                        break;
                    }
                    int offset = 0;
                    while (open && offset < n) {
                        ParseResult result = parser.onData(request, inputSegment, offset, n - offset);
                        if (result == ParseResult.NEED_MORE) {
                            break;
                        }
                        if (result == ParseResult.ERROR) {
                            out.write(headBytes, 0, errors.parseError(headSegment, 0, headBytes.length, request));
                            open = false;
                            break;
                        }
                        offset += request.consumed();
                        REQUESTS.incrementAndGet();
                        open = respond(request, head, errors, range, headSegment, headBytes, out);
                    }
                    out.flush();
                }
            } catch (SocketTimeoutException e) {
                // A client that went quiet: drop it and accept the next.
            } catch (IOException e) {
                if (!listener.isClosed()) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** Answers one parsed request the way the appliance will; returns whether the connection stays open. */
    private static boolean respond(
            HttpRequest request,
            ResponseHead head,
            ErrorResponses errors,
            ByteRange range,
            MemorySegment headSegment,
            byte[] headBytes,
            OutputStream out)
            throws IOException {
        boolean keepAlive = request.keepAlive();
        boolean withBody = request.method() == HttpMethod.GET;
        int length;
        if (request.method() == HttpMethod.OTHER) {
            length = errors.methodNotAllowed(headSegment, 0, headBytes.length, keepAlive);
            out.write(headBytes, 0, length);
            return keepAlive;
        }
        if (!request.nameText().equals(NAME)) {
            out.write(headBytes, 0, errors.notFound(headSegment, 0, headBytes.length, keepAlive, withBody));
            return keepAlive;
        }
        if (Preconditions.notModified(request, ETAG, MODIFIED)) {
            length = head.wrap(headSegment, 0, headBytes.length)
                    .status(HttpStatus.NOT_MODIFIED)
                    .date()
                    .server()
                    .etag(ETAG)
                    .lastModified(MODIFIED)
                    .cors()
                    .connection(keepAlive)
                    .end();
            out.write(headBytes, 0, length);
            return keepAlive;
        }
        RangeResult ranged = RangeResult.IGNORED;
        if (request.hasRange() && Preconditions.rangeApplies(request, ETAG, MODIFIED)) {
            ranged = range.parse(request.buffer(), request.rangeOffset(), request.rangeLength(), CONTENT.length);
        }
        if (ranged == RangeResult.UNSATISFIABLE) {
            out.write(
                    headBytes,
                    0,
                    errors.rangeNotSatisfiable(headSegment, 0, headBytes.length, keepAlive, withBody, CONTENT.length));
            return keepAlive;
        }
        long first = ranged == RangeResult.SATISFIABLE ? range.first() : 0;
        long count = ranged == RangeResult.SATISFIABLE ? range.length() : CONTENT.length;
        head.wrap(headSegment, 0, headBytes.length)
                .status(ranged == RangeResult.SATISFIABLE ? HttpStatus.PARTIAL_CONTENT : HttpStatus.OK)
                .date()
                .server()
                .contentType("video/mp2t".getBytes(StandardCharsets.US_ASCII))
                .contentLength(count);
        if (ranged == RangeResult.SATISFIABLE) {
            head.contentRange(range.first(), range.last(), CONTENT.length);
        }
        length = head.etag(ETAG)
                .lastModified(MODIFIED)
                .acceptRanges()
                .cors()
                .connection(keepAlive)
                .end();
        out.write(headBytes, 0, length);
        if (withBody) {
            out.write(CONTENT, (int) first, (int) count);
        }
        return keepAlive;
    }

    private static String findOnPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir, command);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    private String url(String path) {
        return "http://127.0.0.1:" + listener.getLocalPort() + path;
    }

    /** Runs curl with a bounded time; returns its stdout (the -w output). */
    private String curl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(curl, "-sS", "--max-time", "10"));
        command.addAll(Arrays.asList(args));
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(20, TimeUnit.SECONDS), "curl finished");
            assertEquals(0, process.exitValue(), "curl " + command + " exit status; output: " + output);
            return output;
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void wholeFileAndHeaders() throws Exception {
        Path body = dir.resolve("body");
        Path headers = dir.resolve("headers");
        assertEquals(
                "200",
                curl(
                        "--fail",
                        "-o",
                        body.toString(),
                        "-D",
                        headers.toString(),
                        "-w",
                        "%{http_code}",
                        url("/vod/a%20b.ts?session=1")));
        assertArrayEquals(CONTENT, Files.readAllBytes(body));
        String text = Files.readString(headers);
        assertTrue(text.contains("Content-Length: 100000\r\n"), text);
        assertTrue(text.contains("Content-Type: video/mp2t\r\n"), text);
        assertTrue(text.contains("Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"), text);
        assertTrue(text.contains("Access-Control-Allow-Origin: *\r\n"), text);
    }

    @Test
    void rangesAreServedByteExact() throws Exception {
        Path body = dir.resolve("range");
        Path headers = dir.resolve("headers");
        assertEquals(
                "206",
                curl(
                        "-r",
                        "1000-1999",
                        "-o",
                        body.toString(),
                        "-D",
                        headers.toString(),
                        "-w",
                        "%{http_code}",
                        url("/vod/a%20b.ts")));
        assertArrayEquals(Arrays.copyOfRange(CONTENT, 1000, 2000), Files.readAllBytes(body));
        assertTrue(Files.readString(headers).contains("Content-Range: bytes 1000-1999/100000\r\n"));
        assertEquals("206", curl("-r", "-500", "-o", body.toString(), "-w", "%{http_code}", url("/vod/a%20b.ts")));
        assertArrayEquals(Arrays.copyOfRange(CONTENT, CONTENT.length - 500, CONTENT.length), Files.readAllBytes(body));
        assertEquals("206", curl("-r", "99990-", "-o", body.toString(), "-w", "%{http_code}", url("/vod/a%20b.ts")));
        assertArrayEquals(Arrays.copyOfRange(CONTENT, 99990, CONTENT.length), Files.readAllBytes(body));
        assertEquals(
                "416",
                curl(
                        "-r",
                        "200000-",
                        "-o",
                        body.toString(),
                        "-D",
                        headers.toString(),
                        "-w",
                        "%{http_code}",
                        url("/vod/a%20b.ts")));
        assertTrue(Files.readString(headers).contains("Content-Range: bytes */100000\r\n"));
        assertEquals(
                "200",
                curl("-r", "0-1,5-9", "-o", body.toString(), "-w", "%{http_code}", url("/vod/a%20b.ts")),
                "several ranges are ignored");
        assertArrayEquals(CONTENT, Files.readAllBytes(body));
        assertEquals(
                "200",
                curl(
                        "-r",
                        "0-9",
                        "-H",
                        "If-Range: \"other\"",
                        "-o",
                        body.toString(),
                        "-w",
                        "%{http_code}",
                        url("/vod/a%20b.ts")),
                "a stale If-Range gets the whole file");
    }

    @Test
    void keepAliveCarriesSeveralRequestsOnOneConnection() throws Exception {
        int connectionsBefore = CONNECTIONS.get();
        int requestsBefore = REQUESTS.get();
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Path c = dir.resolve("c");
        curl(
                "-o",
                a.toString(),
                "-o",
                b.toString(),
                "-o",
                c.toString(),
                url("/vod/a%20b.ts"),
                url("/missing.ts"),
                url("/vod/a%20b.ts"));
        assertArrayEquals(CONTENT, Files.readAllBytes(a));
        assertEquals("404 Not Found\n", Files.readString(b));
        assertArrayEquals(CONTENT, Files.readAllBytes(c));
        assertEquals(3, REQUESTS.get() - requestsBefore);
        assertEquals(1, CONNECTIONS.get() - connectionsBefore, "one connection for three requests");
    }

    @Test
    void http10AndHeadAndConditionalAndErrors() throws Exception {
        Path body = dir.resolve("body");
        Path headers = dir.resolve("headers");
        assertEquals(
                "200",
                curl(
                        "--http1.0",
                        "-o",
                        body.toString(),
                        "-D",
                        headers.toString(),
                        "-w",
                        "%{http_code}",
                        url("/vod/a%20b.ts")));
        assertArrayEquals(CONTENT, Files.readAllBytes(body));
        assertTrue(Files.readString(headers).contains("Connection: close\r\n"));

        assertEquals("200", curl("-I", "-o", headers.toString(), "-w", "%{http_code}", url("/vod/a%20b.ts")));
        assertTrue(Files.readString(headers).contains("Content-Length: 100000\r\n"));

        Path notModified = dir.resolve("not-modified");
        assertEquals(
                "304",
                curl(
                        "-H",
                        "If-None-Match: \"e1\"",
                        "-o",
                        notModified.toString(),
                        "-w",
                        "%{http_code}",
                        url("/vod/a%20b.ts")));
        assertTrue(!Files.exists(notModified) || Files.size(notModified) == 0, "a 304 has no body");

        assertEquals(
                "405",
                curl(
                        "-X",
                        "DELETE",
                        "-o",
                        body.toString(),
                        "-D",
                        headers.toString(),
                        "-w",
                        "%{http_code}",
                        url("/vod/a%20b.ts")));
        assertTrue(Files.readString(headers).contains("Allow: GET, HEAD\r\n"));

        assertEquals(
                "400", curl("--path-as-is", "-o", body.toString(), "-w", "%{http_code}", url("/vod/../etc/passwd")));
        assertEquals(
                "431",
                curl(
                        "-H",
                        "X-Big: " + "x".repeat(9000),
                        "-o",
                        body.toString(),
                        "-w",
                        "%{http_code}",
                        url("/vod/a%20b.ts")));
    }
}
