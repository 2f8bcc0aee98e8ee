package dev.atlas.bench.interop;

import static dev.atlas.bench.interop.SemanticsCatalogue.CHUNK;
import static dev.atlas.bench.interop.SemanticsCatalogue.FEATURE;
import static dev.atlas.bench.interop.SemanticsCatalogue.MANIFEST;
import static dev.atlas.bench.interop.SemanticsCatalogue.SEGMENT;
import static dev.atlas.bench.interop.SemanticsCatalogue.SPACED;
import static dev.atlas.bench.interop.SemanticsCatalogue.edge;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.bench.interop.HttpExchanges.Exchange;
import dev.atlas.bench.interop.HttpExchanges.Raw;
import dev.atlas.bench.interop.HttpExchanges.RawRequest;
import dev.atlas.bench.interop.HttpExchanges.Transfer;
import dev.atlas.bench.interop.SemanticsCatalogue.Item;
import dev.atlas.bench.netns.Topology;
import dev.atlas.bench.tcp.AtlasServerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.function.ThrowingConsumer;

/**
 * HTTP/1.1 semantics of the appliance (DESIGN.md §9) against real clients: the server runs as its
 * own JVM in a network namespace, serving a catalogue image built here with the CLI; curl (and a
 * raw-socket Python peer for what curl never sends) runs in the client namespace. Content is sized
 * to catch off-by-ones at the 4 KiB block and 16 KiB record boundaries, and every body byte of
 * every response is compared with the imported source. Covered: whole files with their fields,
 * HEAD, single ranges of every form, 416, ignored ranges, If-None-Match / If-Modified-Since /
 * If-Range, pipelining (in one write and cut into small pieces; 10,000 deep; wrk 16 deep), unusual but valid request forms,
 * keep-alive over 1,000 requests, Connection: close, HTTP/1.0, a half-closing client, 404/405,
 * Expect: 100-continue, the parser's 400/413/414/431/501/505 (each followed by a normal request),
 * then the server's counters and access log against what the client saw. One server serves the
 * whole class; the tests run in order and share its counters.
 */
@Tag("root")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HttpSemanticsTest {
    private static final long SEED = 0x5EED_4771L;
    private static final String HOST = "Host: atlas.test\r\n";
    /** Idle time after which a raw exchange is taken to have stayed open (the server answers in milliseconds). */
    private static final double OPEN_IDLE_SECONDS = 1.0;
    /** Longest wait for a server that should close; the exchange normally ends at its FIN long before. */
    private static final double CLOSE_IDLE_SECONDS = 5;

    private static final int KEEP_ALIVE_REQUESTS = 1000;
    private static final int PIPELINED_REQUESTS = 10_000;
    private static final Duration PIPELINE_TIMEOUT = Duration.ofSeconds(90);
    private static final String IMF_FIXDATE = "[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT";

    private Path work;
    private Topology net;
    private AtlasServerProcess server;
    private SemanticsCatalogue catalogue;
    private HttpExchanges http;
    private Map<String, Long> atStart;

    @BeforeAll
    void up() throws Exception {
        Prerequisites.require("ip", "ethtool", "curl", "python3", "wrk");
        final long start = System.nanoTime();
        work = Files.createTempDirectory("atlas-http-semantics");
        catalogue = SemanticsCatalogue.build(work, SEED);
        final long built = System.nanoTime();
        net = Topology.up(Topology.uniqueName("httpsem"), Topology.Mode.DIRECT).removeOnExit();
        server = AtlasServerProcess.startCatalogue(
                        net.serverNamespace(),
                        net.serverInterface(),
                        net.serverCidr(),
                        List.of(catalogue.image()),
                        List.of(),
                        work.resolve("server"))
                .awaitReady(Duration.ofSeconds(60));
        http = new HttpExchanges(net.clientNamespace(), net.serverAddress(), work.resolve("client"));
        atStart = server.freshStats();
        System.out.printf(
                "http-semantics: catalogue of %d files built in %.2f s, server ready after %.2f s more%n",
                catalogue.items().size(), (built - start) / 1e9, (System.nanoTime() - built) / 1e9);
    }

    @AfterAll
    void down() throws Exception {
        try {
            if (server != null) {
                System.out.println("http-semantics: final server counters " + server.stats());
                final int exit = server.stop();
                System.out.println("http-semantics: server exited with " + exit + "\n" + server.logTail());
                assertEquals(0, exit, "the server did not stop cleanly:\n" + server.logTail());
            }
        } finally {
            if (net != null) {
                net.close();
            }
            if (work != null) {
                deleteTree(work);
            }
        }
    }

    /** A curl transfer and what its answer must satisfy. */
    private record Check(Transfer transfer, ThrowingConsumer<Exchange> verify) {}

    /** Runs the checks' transfers in one curl process, then verifies each answer in order. */
    private void run(List<Check> checks) throws Throwable {
        final List<Exchange> exchanges =
                http.curl(checks.stream().map(Check::transfer).toList());
        for (int i = 0; i < checks.size(); i++) {
            checks.get(i).verify().accept(exchanges.get(i));
        }
    }

    // ---------------------------------------------------------------------------------------
    // Whole files, HEAD
    // ---------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void everyFileWholeByteExactAndHeadAnnouncesTheSameFields() throws Throwable {
        final List<Transfer> transfers = new ArrayList<>();
        for (Item item : catalogue.items()) {
            transfers.add(Transfer.of(item.path()));
            transfers.add(Transfer.of(item.path(), "-I"));
        }
        final List<Exchange> answers = http.curl(transfers);
        for (int i = 0; i < catalogue.items().size(); i++) {
            final Item item = catalogue.items().get(i);
            final Exchange get = answers.get(2 * i);
            final Exchange head = answers.get(2 * i + 1);
            assertEquals(200, get.status(), () -> item.name() + ": " + get);
            assertArrayEquals(item.content(), get.body(), () -> item.name() + ": the body differs from the catalogue");
            assertRepresentationFields(item, get);
            assertEquals(Long.toString(item.length()), get.header("content-length"), item.name());
            assertNull(get.header("content-range"), item.name());
            assertEquals("keep-alive", get.header("connection"), item.name());

            assertEquals(200, head.status(), () -> item.name() + " HEAD: " + head);
            final Map<String, String> getFields = new HashMap<>(get.headers());
            final Map<String, String> headFields = new HashMap<>(head.headers());
            getFields.remove("date");
            headFields.remove("date");
            assertEquals(getFields, headFields, () -> item.name() + ": HEAD must announce exactly GET's fields");
        }
        final Map<String, String> types = Map.of(
                MANIFEST,
                "application/vnd.apple.mpegurl",
                SEGMENT,
                "video/mp2t",
                CHUNK,
                "video/iso.segment",
                FEATURE,
                "video/mp4",
                SPACED,
                "video/mp2t",
                edge(1),
                "application/octet-stream");
        for (Map.Entry<String, String> e : types.entrySet()) {
            assertEquals(e.getValue(), catalogue.item(e.getKey()).entry().contentType(), e.getKey());
        }
        // A query does not change the name; a percent-encoded plain character decodes to the same name.
        final Item item = catalogue.item(edge(4097));
        final ThrowingConsumer<Exchange> isWhole = e -> {
            assertEquals(200, e.status(), e::toString);
            assertArrayEquals(item.content(), e.body(), e::toString);
        };
        final Item spaced = catalogue.item(SPACED);
        run(List.of(
                new Check(Transfer.of(item.path() + "?session=42&t=1"), isWhole),
                new Check(Transfer.of("/edge/%34%30%397.bin"), isWhole),
                new Check(Transfer.of("/%65dge/4097.bin"), isWhole),
                new Check(Transfer.of(spaced.path().toLowerCase(java.util.Locale.ROOT)), e -> {
                    // Lower-case hex digits in the escapes (the name itself is lower case).
                    assertEquals(200, e.status(), e::toString);
                    assertArrayEquals(spaced.content(), e.body());
                })));
    }

    private static void assertRepresentationFields(Item item, Exchange e) {
        assertEquals(item.entry().contentType(), e.header("content-type"), item.name());
        assertEquals(item.entry().etag(), e.header("etag"), item.name());
        assertTrue(item.entry().etag().matches("\"[0-9a-f]{32}\""), item.entry().etag());
        assertEquals(SemanticsCatalogue.lastModified(), e.header("last-modified"), item.name());
        assertEquals("bytes", e.header("accept-ranges"), item.name());
        assertEquals("*", e.header("access-control-allow-origin"), item.name());
        assertNotNull(e.header("access-control-expose-headers"), item.name());
        assertEquals("atlas", e.header("server"), item.name());
        assertTrue(
                e.header("date") != null && e.header("date").matches(IMF_FIXDATE),
                () -> item.name() + ": Date " + e.header("date"));
    }

    // ---------------------------------------------------------------------------------------
    // Ranges
    // ---------------------------------------------------------------------------------------

    /** A Range value and the inclusive byte positions it selects. */
    private record RangeCase(String name, String spec, long first, long last) {}

    private List<RangeCase> satisfiableRanges() {
        final long big = catalogue.item(FEATURE).length();
        final long mib = 1L << 20;
        return List.of(
                new RangeCase(edge(1), "0-0", 0, 0),
                new RangeCase(edge(1), "0-", 0, 0),
                new RangeCase(edge(1), "-1", 0, 0),
                new RangeCase(edge(1), "-5", 0, 0),
                new RangeCase(edge(1), "0-10", 0, 0),
                new RangeCase(edge(4095), "4094-4094", 4094, 4094),
                new RangeCase(edge(4095), "-2", 4093, 4094),
                new RangeCase(edge(4096), "4095-", 4095, 4095),
                new RangeCase(edge(4096), "4000-4200", 4000, 4095),
                new RangeCase(edge(4097), "4095-4096", 4095, 4096),
                new RangeCase(edge(4097), "4096-", 4096, 4096),
                new RangeCase(edge(16383), "-1", 16382, 16382),
                new RangeCase(edge(16384), "0-0", 0, 0),
                new RangeCase(edge(16384), "16383-16383", 16383, 16383),
                new RangeCase(edge(16384), "16383-", 16383, 16383),
                new RangeCase(edge(16384), "16380-16390", 16380, 16383),
                new RangeCase(edge(16384), "0-16383", 0, 16383),
                new RangeCase(edge(16384), "0-99999", 0, 16383),
                new RangeCase(edge(16384), "-16384", 0, 16383),
                new RangeCase(edge(16384), "-20000", 0, 16383),
                new RangeCase(edge(16384), "4095-8192", 4095, 8192),
                new RangeCase(edge(16385), "16384-16384", 16384, 16384),
                new RangeCase(edge(16385), "16383-16384", 16383, 16384),
                new RangeCase(edge(16385), "-1", 16384, 16384),
                new RangeCase(edge(16385), "007-0010", 7, 10),
                new RangeCase(CHUNK, "16384-32767", 16384, 32767),
                new RangeCase(CHUNK, "65535-", 65535, 65552),
                new RangeCase(SEGMENT, "100-", 100, mib + 332),
                new RangeCase(SEGMENT, "-16385", mib + 333 - 16385, mib + 332),
                new RangeCase(SPACED, "10-20", 10, 20),
                new RangeCase(FEATURE, "16383-16384", 16383, 16384),
                new RangeCase(FEATURE, "16000-50000", 16000, 50000),
                new RangeCase(FEATURE, (mib - 5) + "-" + (mib + 5), mib - 5, mib + 5),
                new RangeCase(FEATURE, "1000000-9000000", 1_000_000, 9_000_000),
                new RangeCase(FEATURE, "-1", big - 1, big - 1),
                new RangeCase(FEATURE, (big - 1) + "-", big - 1, big - 1),
                new RangeCase(FEATURE, "-16385", big - 16385, big - 1),
                new RangeCase(FEATURE, (big - 16385) + "-" + (big + 100), big - 16385, big - 1));
    }

    @Test
    @Order(2)
    void singleRangesAreServedByteExactAcrossBlockAndRecordBoundaries() throws Throwable {
        final List<Check> checks = new ArrayList<>();
        for (RangeCase c : satisfiableRanges()) {
            final Item item = catalogue.item(c.name());
            final String what = c.name() + " bytes=" + c.spec();
            final String contentRange = "bytes " + c.first() + "-" + c.last() + "/" + item.length();
            final String contentLength = Long.toString(c.last() - c.first() + 1);
            checks.add(new Check(Transfer.of(item.path(), "-H", "Range: bytes=" + c.spec()), e -> {
                assertEquals(206, e.status(), () -> what + ": " + e);
                assertEquals(contentRange, e.header("content-range"), what);
                assertEquals(contentLength, e.header("content-length"), what);
                assertArrayEquals(
                        item.slice(c.first(), c.last()),
                        e.body(),
                        () -> what + ": the body differs from the catalogue");
                assertRepresentationFields(item, e);
            }));
            checks.add(new Check(Transfer.of(item.path(), "-I", "-H", "Range: bytes=" + c.spec()), e -> {
                assertEquals(206, e.status(), () -> what + " HEAD: " + e);
                assertEquals(contentRange, e.header("content-range"), what + " HEAD");
                assertEquals(contentLength, e.header("content-length"), what + " HEAD");
            }));
        }
        run(checks);
    }

    @Test
    @Order(3)
    void unsatisfiableRangesAre416AndOthersAreIgnored() throws Throwable {
        final long big = catalogue.item(FEATURE).length();
        final List<Check> checks = new ArrayList<>();
        for (String[] c : new String[][] {
            {edge(0), "0-"},
            {edge(0), "0-0"},
            {edge(1), "1-1"},
            {edge(1), "-0"},
            {edge(16384), "16384-"},
            {edge(16384), "16384-16400"},
            {edge(16384), "99999999999999999999-"},
            {edge(16385), "-0"},
            {FEATURE, big + "-"},
            {FEATURE, (big + 100) + "-" + (big + 200)}
        }) {
            final Item item = catalogue.item(c[0]);
            final String what = c[0] + " bytes=" + c[1];
            checks.add(new Check(Transfer.of(item.path(), "-H", "Range: bytes=" + c[1]), e -> {
                assertEquals(416, e.status(), () -> what + ": " + e);
                assertEquals("bytes */" + item.length(), e.header("content-range"), what);
                assertEquals("416 Range Not Satisfiable\n", new String(e.body(), StandardCharsets.US_ASCII), what);
                assertEquals(Integer.toString(e.body().length), e.header("content-length"), what);
                assertEquals("keep-alive", e.header("connection"), what);
            }));
        }
        checks.add(new Check(Transfer.of(catalogue.item(edge(4096)).path(), "-I", "-H", "Range: bytes=4096-"), e -> {
            assertEquals(416, e.status(), e::toString);
            assertEquals("bytes */4096", e.header("content-range"));
        }));
        // Several ranges, other units, reversed or garbled ranges, two Range fields: the whole file (RFC 9110 §14.2).
        final Item item = catalogue.item(edge(16385));
        for (List<String> headers : List.of(
                List.of("-H", "Range: bytes=0-1,5-9"),
                List.of("-H", "Range: bytes=0-0,-1"),
                List.of("-H", "Range: bytes=16000-16100, 16200-16300"),
                List.of("-H", "Range: items=0-5"),
                List.of("-H", "Range: bytes=5-3"),
                List.of("-H", "Range: bytes=abc"),
                List.of("-H", "Range: bytes="),
                List.of("-H", "Range: bytes=1-2-3"),
                List.of("-H", "Range: bytes=0-1", "-H", "Range: bytes=2-3"))) {
            checks.add(new Check(new Transfer(item.path(), headers), e -> {
                assertEquals(200, e.status(), () -> headers + ": " + e);
                assertNull(e.header("content-range"), headers::toString);
                assertArrayEquals(item.content(), e.body(), headers::toString);
            }));
        }
        run(checks);
    }

    /**
     * RFC 9110 §14.1.2: on a zero-length representation a suffix range with a non-zero length is
     * the one satisfiable form, so it must not be refused with 416; a 206 cannot describe an
     * empty range, so the whole (empty) representation is the answer.
     */
    @Test
    @Order(4)
    void suffixRangeOfAnEmptyFileIsNotRefused() throws Exception {
        final Exchange e = http.curl(catalogue.item(edge(0)).path(), "-H", "Range: bytes=-5");
        assertEquals(200, e.status(), e::toString);
        assertEquals("0", e.header("content-length"));
        assertNull(e.header("content-range"));
        assertEquals(0, e.body().length);
    }

    // ---------------------------------------------------------------------------------------
    // Conditional requests
    // ---------------------------------------------------------------------------------------

    @Test
    @Order(5)
    void conditionalRequests() throws Throwable {
        final Item item = catalogue.item(CHUNK);
        final String path = item.path();
        final String etag = item.entry().etag();
        final String otherTag = catalogue.item(SEGMENT).entry().etag();
        final String modified = SemanticsCatalogue.lastModified();
        final String earlier = SemanticsCatalogue.httpDate(SemanticsCatalogue.MODIFIED.minusSeconds(1));
        final String later = SemanticsCatalogue.httpDate(Instant.now());
        final List<Check> checks = new ArrayList<>();

        for (String tags : List.of(etag, "*", "W/" + etag, "\"nope\", " + etag, otherTag + "," + etag)) {
            checks.add(notModified(item, Transfer.of(path, "-H", "If-None-Match: " + tags)));
        }
        checks.add(notModified(item, Transfer.of(path, "-I", "-H", "If-None-Match: " + etag)));
        checks.add(notModified(item, Transfer.of(path, "-H", "If-None-Match: " + etag, "-H", "Range: bytes=0-9")));
        for (String tags : List.of("\"nope\"", otherTag, etag.substring(1, etag.length() - 1), "W/\"nope\"")) {
            checks.add(whole(item, Transfer.of(path, "-H", "If-None-Match: " + tags)));
        }

        for (String since : List.of(modified, later, "Saturday, 09-Mar-24 16:20:07 GMT", "Sat Mar  9 16:20:07 2024")) {
            checks.add(notModified(item, Transfer.of(path, "-H", "If-Modified-Since: " + since)));
        }
        checks.add(whole(item, Transfer.of(path, "-H", "If-Modified-Since: " + earlier)));
        checks.add(whole(item, Transfer.of(path, "-H", "If-Modified-Since: yesterday")));
        // If-None-Match decides alone when both are sent (RFC 9110 §13.1.3).
        checks.add(
                whole(item, Transfer.of(path, "-H", "If-None-Match: \"nope\"", "-H", "If-Modified-Since: " + later)));
        checks.add(notModified(
                item, Transfer.of(path, "-H", "If-None-Match: " + etag, "-H", "If-Modified-Since: " + earlier)));

        // If-Range: the range applies only to this exact representation (strong tag or exact date).
        for (String validator : List.of(etag, modified)) {
            checks.add(new Check(
                    Transfer.of(path, "-H", "Range: bytes=16380-16390", "-H", "If-Range: " + validator), e -> {
                        assertEquals(206, e.status(), () -> validator + ": " + e);
                        assertEquals("bytes 16380-16390/" + item.length(), e.header("content-range"));
                        assertArrayEquals(item.slice(16380, 16390), e.body());
                    }));
        }
        for (String validator : List.of(otherTag, "W/" + etag, earlier, later, "garbage")) {
            checks.add(
                    whole(item, Transfer.of(path, "-H", "Range: bytes=16380-16390", "-H", "If-Range: " + validator)));
        }
        run(checks);
    }

    private static Check notModified(Item item, Transfer transfer) {
        return new Check(transfer, e -> {
            assertEquals(304, e.status(), e::toString);
            assertEquals(0, e.body().length, transfer::toString);
            assertEquals(item.entry().etag(), e.header("etag"), transfer::toString);
            assertEquals(SemanticsCatalogue.lastModified(), e.header("last-modified"), transfer::toString);
            assertNull(e.header("content-range"), transfer::toString);
            assertEquals("keep-alive", e.header("connection"), transfer::toString);
        });
    }

    private static Check whole(Item item, Transfer transfer) {
        return new Check(transfer, e -> {
            assertEquals(200, e.status(), e::toString);
            assertNull(e.header("content-range"), transfer::toString);
            assertArrayEquals(item.content(), e.body(), transfer::toString);
        });
    }

    // ---------------------------------------------------------------------------------------
    // Pipelining, keep-alive, Connection: close, HTTP/1.0
    // ---------------------------------------------------------------------------------------

    /** A request of a pipelined batch and what its answer must be. */
    private record Expected(String request, int status, boolean hasBody, byte[] body) {}

    private Expected get(String name, String extraFields) {
        final Item item = catalogue.item(name);
        return new Expected(
                "GET " + item.path() + " HTTP/1.1\r\n" + HOST + extraFields + "\r\n", 200, true, item.content());
    }

    private Expected range(String name, long first, long last) {
        final Item item = catalogue.item(name);
        return new Expected(
                "GET " + item.path() + " HTTP/1.1\r\n" + HOST + "Range: bytes=" + first + "-" + last + "\r\n\r\n",
                206,
                true,
                item.slice(first, last));
    }

    private Expected head(String name) {
        final Item item = catalogue.item(name);
        return new Expected("HEAD " + item.path() + " HTTP/1.1\r\n" + HOST + "\r\n", 200, false, new byte[0]);
    }

    private static Expected status(String request, int status, String body) {
        return new Expected(request, status, true, body.getBytes(StandardCharsets.US_ASCII));
    }

    /** Eight requests (as many answers as a connection queues before later requests wait), the last with Connection: close. */
    private List<Expected> pipelinedBatch() {
        return List.of(
                get(edge(16385), ""),
                range(FEATURE, 16380, 49_200),
                head(MANIFEST),
                get(edge(0), ""),
                get(SEGMENT, ""),
                get(SPACED, ""),
                status("GET /no/such/file.ts HTTP/1.1\r\n" + HOST + "\r\n", 404, "404 Not Found\n"),
                get(edge(4097), "Connection: close\r\n"));
    }

    /** Checks the answers to {@code batch} in order, byte for byte; tallies them. */
    private void assertAnswers(List<Expected> batch, Raw raw, String what) {
        final String text = raw.text();
        final List<Response> answers =
                Response.split(text, batch.stream().map(Expected::hasBody).toList());
        assertEquals(batch.size(), answers.size(), () -> what + ": " + raw);
        int expectedBytes = 0;
        for (int i = 0; i < batch.size(); i++) {
            final Expected expected = batch.get(i);
            final Response answer = answers.get(i);
            final int index = i;
            http.saw(answer.status());
            assertEquals(expected.status(), answer.status(), () -> what + " #" + index + ": " + answer.headers());
            assertArrayEquals(
                    expected.body(),
                    answer.body().getBytes(StandardCharsets.ISO_8859_1),
                    () -> what + " #" + index + ": the body differs");
            if (!expected.hasBody()) {
                assertNotNull(answer.header("content-length"), what + " #" + index);
            }
            expectedBytes += headLength(text, expectedBytes) + answer.body().length();
        }
        assertEquals(
                expectedBytes,
                raw.received().length,
                () -> what + ": bytes after the last answer (a HEAD with a body?)");
    }

    /** Length of the response head starting at {@code from}, its empty line included. */
    private static int headLength(String text, int from) {
        return text.indexOf("\r\n\r\n", from) + 4 - from;
    }

    @Test
    @Order(6)
    void pipelinedRequestsAreAnsweredInOrderInOneWriteAndInSmallPieces() throws Exception {
        final List<Expected> batch = pipelinedBatch();
        final byte[] requests =
                String.join("", batch.stream().map(Expected::request).toList()).getBytes(StandardCharsets.ISO_8859_1);

        // Methods the server refuses and a 404 keep the connection; a POST body is skipped, not parsed as a request.
        final String smuggled = "GET /edge/1.bin HTTP/1.1\r\n" + HOST + "\r\n";
        final List<Expected> refusals = List.of(
                status(
                        "DELETE " + catalogue.item(edge(1)).path() + " HTTP/1.1\r\n" + HOST + "\r\n",
                        405,
                        "405 Method Not Allowed\n"),
                status(
                        "POST /upload HTTP/1.1\r\n" + HOST + "Content-Length: " + smuggled.length() + "\r\n\r\n"
                                + smuggled,
                        405,
                        "405 Method Not Allowed\n"),
                status(
                        "PUT /edge/1.bin HTTP/1.1\r\n" + HOST + "Content-Length: 3\r\n\r\nabc",
                        405,
                        "405 Method Not Allowed\n"),
                status("get /edge/1.bin HTTP/1.1\r\n" + HOST + "\r\n", 405, "405 Method Not Allowed\n"),
                status("GET /edge/2.bin HTTP/1.1\r\n" + HOST + "\r\n", 404, "404 Not Found\n"),
                get(edge(1), "Connection: close\r\n"));

        final List<Raw> raws = http.raw(List.of(
                new RawRequest(requests, CLOSE_IDLE_SECONDS, 0),
                // Cut into 7-byte pieces: requests split mid-line, mid-CRLF and across segments.
                new RawRequest(requests, CLOSE_IDLE_SECONDS, 7),
                RawRequest.of(
                        String.join("", refusals.stream().map(Expected::request).toList()), CLOSE_IDLE_SECONDS)));
        assertEquals("eof", raws.get(0).ending(), raws.get(0)::toString);
        assertAnswers(batch, raws.get(0), "pipelined in one write");
        assertEquals("eof", raws.get(1).ending(), raws.get(1)::toString);
        assertAnswers(batch, raws.get(1), "pipelined in 7-byte pieces");
        assertEquals("eof", raws.get(2).ending(), raws.get(2)::toString);
        assertAnswers(refusals, raws.get(2), "405/404 pipelined");
        final Response allow = Response.split(raws.get(2).text(), List.of(true)).get(0);
        assertEquals("GET, HEAD, OPTIONS", allow.header("allow"));
        assertEquals("keep-alive", allow.header("connection"));
    }

    /** A request head of exactly {@code total} bytes (the CRLF ending it included), padded with one field. */
    private String headOfLength(String target, int total) {
        final String start = "GET " + target + " HTTP/1.1\r\n" + HOST + "Connection: close\r\n";
        final String field = "X-Pad: ";
        final int fill = total - start.length() - field.length() - 4;
        final String head = start + field + "p".repeat(fill) + "\r\n\r\n";
        assertEquals(total, head.length());
        return head;
    }

    @Test
    @Order(7)
    void unusualButValidRequestFormsAreServed() throws Exception {
        final Item item = catalogue.item(edge(4097));
        final String path = item.path();
        final List<Expected> answers = List.of(
                // Absolute-form target (RFC 9112 §3.2.2), case-insensitive field names, OWS around values.
                get(edge(4097), ""),
                range(edge(4097), 4090, 4096),
                new Expected("", 206, true, item.slice(1, 2)),
                // A GET may carry a (meaningless) body: skipped, and the next request is read after it.
                get(edge(4097), ""),
                status("", 404, "404 Not Found\n"));
        final String requests = "GET http://atlas.test" + path + "?x=1 HTTP/1.1\r\n" + HOST + "\r\n"
                + "GET " + path + " HTTP/1.1\r\nhOsT: atlas.test\r\nRANGE:   bytes=4090-4096  \r\n\r\n"
                + "GET " + path + " HTTP/1.1\r\n" + HOST + "range:bytes=1-2\r\nIF-NONE-MATCH: \"nope\"\r\n\r\n"
                + "GET " + path + " HTTP/1.1\r\n" + HOST + "Content-Length: 5\r\n\r\nhello"
                + "GET /no/such HTTP/1.1\r\n" + HOST + "Connection: close\r\n\r\n";
        // Request heads of exactly the 8 KiB limit (and one byte less) are read in full.
        final List<Raw> raws = http.raw(List.of(
                RawRequest.of(requests, CLOSE_IDLE_SECONDS),
                RawRequest.of(headOfLength(path, 8192), CLOSE_IDLE_SECONDS),
                RawRequest.of(headOfLength(path, 8191), CLOSE_IDLE_SECONDS)));
        assertEquals("eof", raws.get(0).ending(), raws.get(0)::toString);
        assertAnswers(answers, raws.get(0), "unusual forms");
        assertAnswers(List.of(get(edge(4097), "")), raws.get(1), "an 8192-byte head");
        assertAnswers(List.of(get(edge(4097), "")), raws.get(2), "an 8191-byte head");
    }

    @Test
    @Order(8)
    void keepAliveCarriesAThousandRequestsOnOneConnection() throws Exception {
        final List<Item> small = Stream.of(
                        edge(1),
                        edge(4095),
                        edge(4096),
                        edge(4097),
                        edge(16383),
                        edge(16384),
                        edge(16385),
                        MANIFEST,
                        SPACED)
                .map(catalogue::item)
                .toList();
        final Path outputs = Files.createDirectories(http.dir().resolve("keep-alive"));
        final StringBuilder config = new StringBuilder();
        final List<byte[]> expected = new ArrayList<>();
        final List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < KEEP_ALIVE_REQUESTS; i++) {
            final Item item = small.get(i % small.size());
            String path = item.path();
            String header = null;
            int status = 200;
            byte[] body = item.content();
            switch (i % 10) {
                case 5 -> {
                    final long first = item.length() / 3;
                    final long last = Math.min(item.length() - 1, first + 4097);
                    header = "Range: bytes=" + first + "-" + last;
                    status = 206;
                    body = item.slice(first, last);
                }
                case 6 -> {
                    header = "Range: bytes=-" + (1 + i % 5000);
                    status = 206;
                    body = item.slice(Math.max(0, item.length() - (1 + i % 5000)), item.length() - 1);
                }
                case 7 -> {
                    header = "If-None-Match: " + item.entry().etag();
                    status = 304;
                    body = new byte[0];
                }
                case 8 -> {
                    path = "/missing/" + i;
                    status = 404;
                    body = "404 Not Found\n".getBytes(StandardCharsets.US_ASCII);
                }
                case 9 -> {
                    if (i % 100 == 99) {
                        final Item segment = catalogue.item(SEGMENT);
                        path = segment.path();
                        body = segment.content();
                    }
                }
                default -> {
                    // a whole small file
                }
            }
            config.append("url = \"").append(http.url(path)).append("\"\n");
            config.append("output = \"")
                    .append(outputs.resolve(Integer.toString(i)))
                    .append("\"\n");
            if (header != null) {
                config.append("header = \"")
                        .append(header.replace("\"", "\\\""))
                        .append("\"\n");
            }
            config.append("write-out = \"%{http_code} %{num_connects}\\n\"\n");
            if (i + 1 < KEEP_ALIVE_REQUESTS) {
                config.append("next\n");
            }
            expected.add(body);
            statuses.add(status);
        }
        final Path configFile = http.dir().resolve("keep-alive.curlrc");
        Files.writeString(configFile, config);

        final Map<String, Long> before = server.freshStats();
        final long start = System.nanoTime();
        final Process curl = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        net.clientNamespace(),
                        "curl",
                        "-sS",
                        "--max-time",
                        "120",
                        "-K",
                        configFile.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        final String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertTrue(curl.waitFor(150, TimeUnit.SECONDS), "curl did not finish");
        final double seconds = (System.nanoTime() - start) / 1e9;
        final Map<String, Long> after = server.freshStats();

        final String[] lines = out.strip().split("\n");
        assertEquals(KEEP_ALIVE_REQUESTS, lines.length, () -> "curl exit " + curl.exitValue() + ", output " + out);
        long connects = 0;
        for (int i = 0; i < KEEP_ALIVE_REQUESTS; i++) {
            final String[] fields = lines[i].split(" ");
            final int status = Integer.parseInt(fields[0]);
            connects += Long.parseLong(fields[1]);
            final int index = i;
            assertEquals(statuses.get(i), status, () -> "request " + index + ": " + lines[index]);
            http.saw(status);
            final Path file = outputs.resolve(Integer.toString(i));
            final byte[] body = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
            assertArrayEquals(expected.get(i), body, () -> "request " + index + ": the body differs");
        }
        http.connected(connects);
        assertEquals(0, curl.exitValue());
        final long accepted =
                after.getOrDefault("tcp.connectionsTotal", 0L) - before.getOrDefault("tcp.connectionsTotal", 0L);
        System.out.printf(
                "http-semantics: %d requests on one connection in %.2f s (%.0f req/s); curl connects %d, server accepted %d%n",
                KEEP_ALIVE_REQUESTS, seconds, KEEP_ALIVE_REQUESTS / seconds, connects, accepted);
        assertEquals(1, connects, "curl opened more than one connection");
        assertEquals(1, accepted, "the server accepted more than one connection");
        deleteTree(outputs);
    }

    @Test
    @Order(9)
    void connectionCloseAndHttp10CloseAfterTheResponse() throws Throwable {
        final Item item = catalogue.item(edge(16384));
        final String path = item.path();
        run(List.of(
                new Check(Transfer.of(path, "-H", "Connection: close"), e -> {
                    assertEquals(200, e.status(), e::toString);
                    assertEquals("close", e.header("connection"));
                    assertArrayEquals(item.content(), e.body());
                }),
                new Check(Transfer.of(path, "--http1.0"), e -> {
                    assertEquals(200, e.status(), e::toString);
                    assertEquals("close", e.header("connection"));
                    assertArrayEquals(item.content(), e.body());
                })));

        // The server closes right after the response: the exchange ends with its FIN, nothing else follows.
        final List<String> closing = List.of(
                "GET " + path + " HTTP/1.1\r\n" + HOST + "Connection: close\r\n\r\n",
                "GET " + path + " HTTP/1.1\r\n" + HOST + "Connection: Keep-Alive, CLOSE\r\n\r\n",
                "GET " + path + " HTTP/1.0\r\n\r\n",
                "GET " + path + " HTTP/1.0\r\nConnection: close\r\n\r\n",
                "\r\n\r\nGET " + path + " HTTP/1.0\r\n\r\n",
                // Requests pipelined after the one that closes are not answered.
                "GET " + path + " HTTP/1.1\r\n" + HOST + "Connection: close\r\n\r\nGET "
                        + catalogue.item(edge(1)).path() + " HTTP/1.1\r\n" + HOST + "\r\n");
        final List<RawRequest> requests = new ArrayList<>();
        closing.forEach(r -> requests.add(RawRequest.of(r, CLOSE_IDLE_SECONDS)));
        // The client half-closes after its requests: they are still answered, then the server closes too.
        final String halfClosed =
                "GET " + path + " HTTP/1.1\r\n" + HOST + "\r\nHEAD " + path + " HTTP/1.1\r\n" + HOST + "\r\n";
        requests.add(new RawRequest(halfClosed.getBytes(StandardCharsets.ISO_8859_1), CLOSE_IDLE_SECONDS, -1));
        // An error answer honours Connection: close as well.
        requests.add(RawRequest.of(
                "GET /no/such/file HTTP/1.1\r\n" + HOST + "Connection: close\r\n\r\n", CLOSE_IDLE_SECONDS));
        // HTTP/1.0 with keep-alive, and plain HTTP/1.1: the connection stays open after the answers.
        requests.add(RawRequest.of(
                "GET " + path + " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" + "HEAD " + path
                        + " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                OPEN_IDLE_SECONDS));
        requests.add(RawRequest.of("GET " + path + " HTTP/1.1\r\n" + HOST + "\r\n", OPEN_IDLE_SECONDS));
        final List<Raw> raws = http.raw(requests);

        for (int i = 0; i < closing.size(); i++) {
            final Raw raw = raws.get(i);
            final String what = closing.get(i).strip();
            assertEquals("eof", raw.ending(), () -> what + ": " + raw);
            assertAnswers(List.of(get(edge(16384), "")), raw, what);
            assertEquals(
                    "close", Response.split(raw.text(), List.of(true)).get(0).header("connection"), what);
        }
        final Raw half = raws.get(closing.size());
        assertEquals("eof", half.ending(), half::toString);
        assertAnswers(List.of(get(edge(16384), ""), head(edge(16384))), half, "half-closed client");
        final Raw notFound = raws.get(closing.size() + 1);
        assertEquals("eof", notFound.ending(), notFound::toString);
        assertAnswers(List.of(status("", 404, "404 Not Found\n")), notFound, "404 with Connection: close");
        assertEquals(
                "close", Response.split(notFound.text(), List.of(true)).get(0).header("connection"));
        final Raw kept10 = raws.get(closing.size() + 2);
        assertEquals("idle", kept10.ending(), kept10::toString);
        assertAnswers(List.of(get(edge(16384), ""), head(edge(16384))), kept10, "HTTP/1.0 keep-alive");
        assertEquals(
                "keep-alive",
                Response.split(kept10.text(), List.of(true)).get(0).header("connection"));
        final Raw kept11 = raws.get(closing.size() + 3);
        assertEquals("idle", kept11.ending(), kept11::toString);
        assertAnswers(List.of(get(edge(16384), "")), kept11, "HTTP/1.1");
    }

    // ---------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------

    @Test
    @Order(10)
    void notFoundAndMethodNotAllowed() throws Throwable {
        final List<Check> checks = new ArrayList<>();
        for (String path : List.of(
                "/no-such-file",
                "/edge/2.bin",
                "/EDGE/1.bin",
                "/edge/1.bin/",
                "/",
                "/edge",
                "/edge/",
                "/vod/with%20space",
                "/edge/1.bin.gz")) {
            checks.add(new Check(Transfer.of(path), e -> {
                assertEquals(404, e.status(), e::toString);
                assertEquals("404 Not Found\n", new String(e.body(), StandardCharsets.US_ASCII), path);
                assertEquals("keep-alive", e.header("connection"), path);
                assertEquals("*", e.header("access-control-allow-origin"), path);
            }));
        }
        checks.add(new Check(Transfer.of("/no-such-file", "-I"), e -> {
            assertEquals(404, e.status(), e::toString);
            assertEquals(Integer.toString("404 Not Found\n".length()), e.header("content-length"));
        }));
        final String path = catalogue.item(edge(4097)).path();
        for (List<String> method : List.of(
                List.of("-X", "POST", "-d", "a=1"),
                List.of("-X", "PUT", "-d", "xyz"),
                List.of("-X", "DELETE"),
                List.of("-X", "PATCH", "-d", "{}"),
                List.of("-X", "TRACE"))) {
            checks.add(new Check(new Transfer(path, method), e -> {
                assertEquals(405, e.status(), e::toString);
                assertEquals("GET, HEAD, OPTIONS", e.header("allow"), method::toString);
                assertEquals(
                        "405 Method Not Allowed\n", new String(e.body(), StandardCharsets.US_ASCII), method::toString);
            }));
        }
        // A browser player's CORS preflight: 204 with what it may send, no body, the connection kept.
        checks.add(new Check(
                new Transfer(
                        path,
                        List.of(
                                "-X",
                                "OPTIONS",
                                "-H",
                                "Origin: http://player.example",
                                "-H",
                                "Access-Control-Request-Method: GET",
                                "-H",
                                "Access-Control-Request-Headers: range, if-none-match")),
                e -> {
                    assertEquals(204, e.status(), e::toString);
                    assertEquals(0, e.body().length);
                    assertEquals("*", e.header("access-control-allow-origin"));
                    assertEquals("GET, HEAD, OPTIONS", e.header("access-control-allow-methods"));
                    assertTrue(e.header("access-control-allow-headers").contains("Range"), e::toString);
                    assertTrue(e.header("access-control-allow-headers").contains("If-None-Match"), e::toString);
                    assertEquals("GET, HEAD, OPTIONS", e.header("allow"));
                    assertEquals("keep-alive", e.header("connection"));
                }));
        run(checks);

        // A client expecting 100 Continue holds its body back: the refusal must come at once (RFC 9110 §10.1.1).
        final Path upload = Files.write(http.dir().resolve("upload.bin"), new byte[3000]);
        final long start = System.nanoTime();
        final Exchange expect = http.curl(
                path,
                "-X",
                "POST",
                "-H",
                "Expect: 100-continue",
                "--expect100-timeout",
                "10",
                "--data-binary",
                "@" + upload);
        final double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(405, expect.status(), expect::toString);
        assertEquals("close", expect.header("connection"), "the body may or may not follow: the server closes");
        assertTrue(seconds < 5, "the answer to Expect: 100-continue took " + seconds + " s (curl waits 10 s for it)");
    }

    /** A request the parser must refuse, and the status it must answer before closing. */
    private record Malformed(String what, byte[] request, int status) {
        Malformed(String what, String request, int status) {
            this(what, request.getBytes(StandardCharsets.ISO_8859_1), status);
        }
    }

    private List<Malformed> malformedRequests() {
        final String file = catalogue.item(edge(1)).path();
        final byte[] junk = new byte[300];
        new java.util.SplittableRandom(SEED).nextBytes(junk);
        junk[junk.length - 2] = '\r';
        junk[junk.length - 1] = '\n';
        final StringBuilder manyFields = new StringBuilder("GET " + file + " HTTP/1.1\r\n" + HOST);
        for (int i = 0; i < 70; i++) {
            manyFields.append("X-Field-").append(i).append(": ").append(i).append("\r\n");
        }
        return List.of(
                new Malformed("garbage request line", "HELLO WORLD\r\n\r\n", 400),
                new Malformed("binary junk", junk, 400),
                new Malformed("leading space", " GET " + file + " HTTP/1.1\r\n" + HOST + "\r\n", 400),
                new Malformed("two spaces", "GET  " + file + " HTTP/1.1\r\n" + HOST + "\r\n", 400),
                new Malformed("bare LF line ends", "GET " + file + " HTTP/1.1\n" + HOST.strip() + "\n\n", 400),
                new Malformed("HTTP/1.1 without Host", "GET " + file + " HTTP/1.1\r\n\r\n", 400),
                new Malformed("two Host fields", "GET " + file + " HTTP/1.1\r\n" + HOST + "Host: other\r\n\r\n", 400),
                new Malformed(
                        "obs-fold", "GET " + file + " HTTP/1.1\r\n" + HOST + "X-A: 1\r\n  continued\r\n\r\n", 400),
                new Malformed("space before colon", "GET " + file + " HTTP/1.1\r\nHost : atlas\r\n\r\n", 400),
                new Malformed(
                        "control byte in a value",
                        "GET " + file + " HTTP/1.1\r\n" + HOST + "X-A: a\u0001b\r\n\r\n",
                        400),
                new Malformed("dot-dot segment", "GET /vod/../edge/1.bin HTTP/1.1\r\n" + HOST + "\r\n", 400),
                new Malformed("encoded dot-dot", "GET /vod/%2E%2E/edge/1.bin HTTP/1.1\r\n" + HOST + "\r\n", 400),
                new Malformed("bad percent escape", "GET /edge/%zz.bin HTTP/1.1\r\n" + HOST + "\r\n", 400),
                new Malformed("encoded NUL", "GET /edge/1.bin%00 HTTP/1.1\r\n" + HOST + "\r\n", 400),
                new Malformed("fragment", "GET " + file + "#t=10 HTTP/1.1\r\n" + HOST + "\r\n", 400),
                new Malformed("relative target", "GET edge/1.bin HTTP/1.1\r\n" + HOST + "\r\n", 400),
                new Malformed("version HTTP/1.x", "GET " + file + " HTTP/1.x\r\n" + HOST + "\r\n", 400),
                new Malformed("version HTTP/11", "GET " + file + " HTTP/11\r\n" + HOST + "\r\n", 400),
                new Malformed("lower-case version", "GET " + file + " http/1.1\r\n" + HOST + "\r\n", 400),
                new Malformed("no version", "GET " + file + "\r\n" + HOST + "\r\n", 400),
                new Malformed("version HTTP/2.0", "GET " + file + " HTTP/2.0\r\n" + HOST + "\r\n", 505),
                new Malformed("version HTTP/0.9", "GET " + file + " HTTP/0.9\r\n" + HOST + "\r\n", 505),
                new Malformed(
                        "Content-Length not a number",
                        "GET " + file + " HTTP/1.1\r\n" + HOST + "Content-Length: 1x\r\n\r\n",
                        400),
                new Malformed(
                        "two different Content-Lengths",
                        "GET " + file + " HTTP/1.1\r\n" + HOST + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                        400),
                new Malformed(
                        "body larger than skipped",
                        "POST /upload HTTP/1.1\r\n" + HOST + "Content-Length: 1000000\r\n\r\n",
                        413),
                new Malformed(
                        "chunked body",
                        "POST /upload HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                        501),
                new Malformed(
                        "header fields larger than 8 KiB",
                        "GET " + file + " HTTP/1.1\r\n" + HOST + ("X-Filler: " + "a".repeat(200) + "\r\n").repeat(60)
                                + "\r\n",
                        431),
                new Malformed(
                        "one 9 KiB header field",
                        "GET " + file + " HTTP/1.1\r\n" + HOST + "Cookie: " + "c".repeat(9000) + "\r\n\r\n",
                        431),
                new Malformed("more than 64 header fields", manyFields + "\r\n", 431),
                new Malformed(
                        "request target larger than 8 KiB",
                        "GET /edge/" + "a".repeat(9000) + " HTTP/1.1\r\n" + HOST + "\r\n",
                        414),
                new Malformed("a request head one byte over 8 KiB", headOfLength(file, 8193), 431));
    }

    @Test
    @Order(11)
    void malformedRequestsAreRefusedAndTheServerGoesOn() throws Exception {
        final List<Malformed> malformed = malformedRequests();
        // Each malformed request on its own connection, then a normal request on a new connection.
        final List<RawRequest> requests = new ArrayList<>();
        final Expected normal = get(edge(4097), "Connection: close\r\n");
        for (Malformed m : malformed) {
            requests.add(new RawRequest(m.request(), CLOSE_IDLE_SECONDS, 0));
            requests.add(RawRequest.of(normal.request(), CLOSE_IDLE_SECONDS));
        }
        final List<Raw> raws = http.raw(requests);
        final List<String> failures = new ArrayList<>();
        for (int i = 0; i < malformed.size(); i++) {
            final Malformed m = malformed.get(i);
            final Raw raw = raws.get(2 * i);
            final List<Response> answers =
                    raw.received().length == 0 ? List.of() : Response.split(raw.text(), List.of(true, true));
            if (answers.isEmpty()) {
                failures.add(m.what() + ": no answer (" + raw.ending() + ")");
            } else {
                final Response answer = answers.get(0);
                http.sawMalformed(answer.status());
                if (answer.status() != m.status()
                        || !"close".equals(answer.header("connection"))
                        || !"eof".equals(raw.ending())
                        || answers.size() != 1) {
                    failures.add(m.what() + ": want " + m.status() + " then close, got " + raw);
                }
            }
            assertAnswers(List.of(normal), raws.get(2 * i + 1), "a normal request after " + m.what());
        }
        assertTrue(failures.isEmpty(), () -> String.join("\n", failures));

        // Behind well-formed pipelined requests: they are answered first, then the 400, then the server closes.
        final Raw behind = http.raw(
                get(edge(4097), "").request() + "GET /x HTTP/1.1\n\n"
                        + get(edge(1), "").request(),
                CLOSE_IDLE_SECONDS);
        final List<Response> answers = Response.split(behind.text(), List.of(true, true, true));
        assertEquals(2, answers.size(), behind::toString);
        http.saw(answers.get(0).status());
        http.sawMalformed(answers.get(1).status());
        assertEquals(200, answers.get(0).status());
        assertArrayEquals(
                catalogue.item(edge(4097)).content(), answers.get(0).body().getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(400, answers.get(1).status());
        assertEquals("eof", behind.ending(), behind::toString);
        assertTrue(server.isAlive());
    }

    /**
     * RFC 9110 §2.5 / §15.6.6: a higher minor version of a major version the server implements is
     * processed as the highest it implements; 505 is for the major version.
     */
    @Test
    @Order(12)
    void higherMinorVersionIsServedAsHttp11() throws Exception {
        final Raw raw = http.raw(
                "GET " + catalogue.item(edge(4097)).path() + " HTTP/1.2\r\n" + HOST + "Connection: close\r\n\r\n",
                CLOSE_IDLE_SECONDS);
        assertAnswers(List.of(get(edge(4097), "")), raw, "HTTP/1.2");
    }

    // ---------------------------------------------------------------------------------------
    // Counters
    // ---------------------------------------------------------------------------------------

    @Test
    @Order(13)
    void serverCountersAgreeWithWhatTheClientSaw() throws Exception {
        final Map<String, Long> now = server.freshStats();
        final Map<Integer, Long> seen = http.statuses();
        final Map<Integer, Long> counted = new TreeMap<>();
        for (Map.Entry<String, Long> e : now.entrySet()) {
            if (e.getKey().startsWith("http.status.")) {
                final long delta = e.getValue() - atStart.getOrDefault(e.getKey(), 0L);
                if (delta != 0) {
                    counted.put(Integer.parseInt(e.getKey().substring("http.status.".length())), delta);
                }
            }
        }
        final long total = seen.values().stream().mapToLong(Long::longValue).sum();
        System.out.printf(
                "http-semantics: client saw %s (%d responses, %d malformed requests) on %d connections; "
                        + "server counted %s, %d requests, %d malformed, %d connections, %d refused%n",
                seen,
                total,
                http.malformed(),
                http.connections(),
                counted,
                delta(now, "http.requests"),
                delta(now, "http.malformed"),
                delta(now, "tcp.connectionsTotal"),
                delta(now, "http.refused"));
        assertEquals(seen, counted, "responses by status: client saw vs server counted");
        assertEquals(http.malformed(), delta(now, "http.malformed"), "malformed requests");
        assertEquals(total - http.malformed(), delta(now, "http.requests"), "requests answered");
        assertEquals(http.connections(), delta(now, "tcp.connectionsTotal"), "connections accepted");
        assertEquals(0, delta(now, "http.refused"), "connections refused (reset)");
        assertEquals(0, delta(now, "lane.frameErrors"), "frame handler errors");
        assertEquals(0, delta(now, "disk.readErrors"), "disk read errors");
        assertTrue(delta(now, "disk.reads") > 0, "nothing was read from the catalogue image");
        awaitAccessLog(total);
    }

    /**
     * 10,000 GETs and HEADs (whole files, ranges, 404s, the last one closing) pipelined on one
     * connection, far deeper than the responses a connection may have queued: first in one write,
     * then in random pieces. Every answer must come, in order and byte-exact, with nothing reset:
     * the server holds what it cannot answer yet and lets the client's window push back. Runs
     * after the counter comparison (its answers are not tallied).
     */
    @Test
    @Order(14)
    void tenThousandPipelinedRequestsAreAnsweredInOrder() throws Exception {
        final Map<String, Long> before = server.freshStats();
        final SplittableRandom random = new SplittableRandom(SEED);
        final List<Expected> batch = new ArrayList<>();
        final String[] names = {edge(0), edge(1), edge(4095), edge(4097), edge(16385), MANIFEST, SPACED};
        for (int i = 0; i < PIPELINED_REQUESTS - 1; i++) {
            final String name = names[random.nextInt(names.length)];
            switch (random.nextInt(6)) {
                case 0 ->
                    batch.add(status(
                            "GET /no/such/file-" + i + ".ts HTTP/1.1\r\n" + HOST + "\r\n", 404, "404 Not Found\n"));
                case 1 -> batch.add(head(name));
                case 2 -> {
                    final long length = catalogue.item(FEATURE).length();
                    final long first = random.nextLong(length - 1);
                    batch.add(range(FEATURE, first, Math.min(length - 1, first + random.nextInt(8_000))));
                }
                default -> batch.add(catalogue.item(name).length() == 0 ? head(name) : get(name, ""));
            }
        }
        batch.add(get(edge(4097), "Connection: close\r\n"));
        final byte[] requests =
                String.join("", batch.stream().map(Expected::request).toList()).getBytes(StandardCharsets.ISO_8859_1);

        final HttpExchanges.Pipelined oneWrite = http.pipeline(requests, CLOSE_IDLE_SECONDS, 0, SEED, PIPELINE_TIMEOUT);
        System.out.printf(
                "http-semantics: %d pipelined requests (%d bytes) in one write: %s after %d bytes in %.2f s %s%n",
                batch.size(),
                requests.length,
                oneWrite.raw().ending(),
                oneWrite.raw().received().length,
                oneWrite.seconds(),
                oneWrite.note());
        assertEquals(
                "eof",
                oneWrite.raw().ending(),
                () -> "one write: " + oneWrite.raw().ending() + " " + oneWrite.note());
        assertAnswers(batch, oneWrite.raw(), "10,000 pipelined in one write");

        final HttpExchanges.Pipelined pieces =
                http.pipeline(requests, CLOSE_IDLE_SECONDS, 3000, SEED + 1, PIPELINE_TIMEOUT);
        System.out.printf(
                "http-semantics: the same in random pieces of 1..3000 bytes: %s after %d bytes in %.2f s %s%n",
                pieces.raw().ending(), pieces.raw().received().length, pieces.seconds(), pieces.note());
        assertEquals(
                "eof", pieces.raw().ending(), () -> "pieces: " + pieces.raw().ending() + " " + pieces.note());
        assertAnswers(batch, pieces.raw(), "10,000 pipelined in random pieces");

        final Map<String, Long> after = server.freshStats();
        System.out.println(
                "http-semantics: pipelining counters: waits " + difference(after, before, "http.pipelineWaits")
                        + ", declined input bytes " + difference(after, before, "http.inputDeclinedBytes"));
        assertEquals(0, difference(after, before, "http.refused"), "connections refused (reset)");
        assertEquals(0, difference(after, before, "tcp.resetsSent"), "resets sent");
        assertTrue(
                difference(after, before, "http.pipelineWaits") > 0,
                "requests waited for room: the depth was really beyond the queue");
    }

    /**
     * wrk with a Lua script that pipelines 16 GETs per batch on each connection: every response
     * counted, no socket error, no non-2xx answer, no connection reset by the server.
     */
    @Test
    @Order(15)
    void wrkPipeliningSixteenDeepServesWithoutErrors() throws Exception {
        final Map<String, Long> before = server.freshStats();
        final Path script = ClientTools.script("pipeline.lua", work);
        final Process p = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        net.clientNamespace(),
                        "wrk",
                        "-t",
                        "1",
                        "-c",
                        "8",
                        "-d",
                        "3s",
                        "--timeout",
                        "5s",
                        "-s",
                        script.toString(),
                        http.url("/"))
                .redirectErrorStream(true)
                .start();
        final String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "wrk finished");
        final ClientTools.WrkResult result = ClientTools.parseWrk(output);
        final Map<String, Long> after = server.freshStats();
        System.out.printf(
                "http-semantics: wrk, 8 connections pipelining 16 deep: %d responses, %.0f/s, socket errors %d, "
                        + "non-2xx %d; server: waits %d, refused %d%n",
                result.requests(),
                result.requestsPerSecond(),
                result.socketErrors(),
                result.non2xx(),
                difference(after, before, "http.pipelineWaits"),
                difference(after, before, "http.refused"));
        assertTrue(result.requests() >= 16 * 8, () -> "wrk got too few responses:\n" + output);
        assertEquals(0, result.socketErrors(), () -> "socket errors:\n" + output);
        assertEquals(0, result.non2xx(), () -> "non-2xx answers:\n" + output);
        assertEquals(0, difference(after, before, "http.refused"), "connections refused (reset)");
    }

    private static long difference(Map<String, Long> after, Map<String, Long> before, String key) {
        return after.getOrDefault(key, 0L) - before.getOrDefault(key, 0L);
    }

    /** The access log holds one line per response once the responses are acknowledged and flushed. */
    private void awaitAccessLog(long responses) throws Exception {
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        long lines = 0;
        while (System.nanoTime() < deadline) {
            lines = Files.exists(server.accessLog())
                    ? Files.readAllLines(server.accessLog(), StandardCharsets.ISO_8859_1)
                            .size()
                    : 0;
            if (lines >= responses) {
                break;
            }
            Thread.sleep(200);
        }
        assertEquals(responses, lines, "access log lines");
    }

    private long delta(Map<String, Long> now, String key) {
        return now.getOrDefault(key, 0L) - atStart.getOrDefault(key, 0L);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
