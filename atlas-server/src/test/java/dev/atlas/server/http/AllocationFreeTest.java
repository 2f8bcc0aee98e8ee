package dev.atlas.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;

/** The data-path pieces allocate nothing per request, measured with the thread's allocation counter. */
class AllocationFreeTest {
    private static final int REQUESTS = 10_000;
    private static final int ROUNDS = 3;

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void tenThousandRequestsAllocateNothing() {
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "this JVM cannot count allocated bytes per thread");
        threads.setThreadAllocatedMemoryEnabled(true);
        try (Arena arena = Arena.ofConfined()) {
            HttpLimits limits = HttpLimits.DEFAULT;
            HttpRequestParser parser = new HttpRequestParser(limits);
            RequestBufferPool pool = new RequestBufferPool(arena, limits, 4);
            HttpRequest request = pool.acquire();
            ByteRange range = new ByteRange();
            ResponseHead head = new ResponseHead(new CachedDate(SystemEpochClock.INSTANCE), "atlas");
            ErrorResponses errors = new ErrorResponses(head);
            byte[] type = "video/mp4".getBytes(StandardCharsets.US_ASCII);
            byte[] etag = "\"5d41402abc4b2a76\"".getBytes(StandardCharsets.US_ASCII);
            byte[] text = ("GET /vod/film%20one/720p/seg-00042.m4s?token=abc HTTP/1.1\r\nHost: edge.example\r\n"
                            + "User-Agent: player/1.0\r\nRange: bytes=1000-" + "\r\nIf-None-Match: \"x\"\r\n"
                            + "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\nConnection: keep-alive\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            MemorySegment wire = arena.allocate(text.length);
            MemorySegment.copy(text, 0, wire, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, text.length);
            MemorySegment out = arena.allocate(4096);
            long[] sink = new long[1];

            Runnable oneRequest = () -> {
                // Two pieces, as TCP might deliver them.
                int split = text.length / 3;
                parser.onData(request, wire, 0, split);
                parser.onData(request, wire, split, text.length - split);
                RangeResult result =
                        range.parse(request.buffer(), request.rangeOffset(), request.rangeLength(), 1 << 20);
                long since = HttpDate.parse(
                        request.buffer(), request.ifModifiedSinceOffset(), request.ifModifiedSinceLength());
                int n = head.wrap(out, 0, out.byteSize())
                        .status(HttpStatus.PARTIAL_CONTENT)
                        .date()
                        .server()
                        .contentType(type)
                        .contentLength(range.length())
                        .contentRange(range.first(), range.last(), 1 << 20)
                        .etag(etag)
                        .lastModified(since)
                        .acceptRanges()
                        .cors()
                        .connection(request.keepAlive())
                        .end();
                n += errors.notFound(out, n, out.byteSize() - n, true, true);
                sink[0] += n + result.ordinal() + request.nameLength();
            };
            for (int i = 0; i < REQUESTS; i++) {
                oneRequest.run();
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            long baseline = threads.getCurrentThreadAllocatedBytes() - before;
            // Steady state is the claim: a deoptimisation on a loaded machine can briefly run
            // interpreted code (which does allocate), so the best of a few rounds counts.
            long allocated = Long.MAX_VALUE;
            for (int round = 0; round < ROUNDS && allocated != 0; round++) {
                before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < REQUESTS; i++) {
                    oneRequest.run();
                }
                allocated = Math.min(allocated, threads.getCurrentThreadAllocatedBytes() - before - baseline);
            }
            assertEquals(true, request.isComplete());
            assertEquals("vod/film one/720p/seg-00042.m4s", request.nameText());
            assertEquals(0, allocated, "bytes allocated by " + REQUESTS + " requests (parse, range, date, head, 404)");
            assertEquals(true, sink[0] > 0);
        }
    }
}
