package dev.atlas.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Test;

class AccessLogWriterTest {
    private static final int RING_BYTES = 16 * 1024;
    private final OneToOneRingBuffer ring =
            new OneToOneRingBuffer(new UnsafeBuffer(new byte[RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH]));
    private final AccessLogWriter writer = new AccessLogWriter(ring, () -> 784111777_000L);
    private final HttpRequestParser parser = new HttpRequestParser(HttpLimits.DEFAULT);
    private final HttpRequest request = HttpRequestParserTest.newRequest(HttpLimits.DEFAULT);

    private void parse(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        parser.onData(request, MemorySegment.ofArray(bytes), 0, bytes.length);
    }

    @Test
    void recordsCarryTheFieldsAndTheRequestLine() {
        parse("\r\nGET /v/seg%201.ts?x=1 HTTP/1.1\r\nHost: h\r\n\r\n");
        assertTrue(writer.log(request, 0xC6120002, HttpStatus.PARTIAL_CONTENT, 1234, 5678));
        request.reset();
        parse("GET /x HTTP/1.1\n");
        assertTrue(writer.log(request, 0x7F000001, HttpStatus.BAD_REQUEST, 100, 1));
        List<String> records = new ArrayList<>();
        ring.read((type, buffer, index, length) -> {
            assertEquals(AccessLogRecordDescriptor.MSG_TYPE_RESPONSE, type);
            byte[] line = new byte[buffer.getShort(index + AccessLogRecordDescriptor.REQUEST_LINE_LENGTH_OFFSET)];
            buffer.getBytes(index + AccessLogRecordDescriptor.REQUEST_LINE_OFFSET, line);
            records.add(Integer.toHexString(buffer.getInt(index + AccessLogRecordDescriptor.CLIENT_IPV4_OFFSET)) + " "
                    + buffer.getLong(index + AccessLogRecordDescriptor.TIMESTAMP_MILLIS_OFFSET) + " "
                    + buffer.getShort(index + AccessLogRecordDescriptor.STATUS_OFFSET) + " "
                    + buffer.getLong(index + AccessLogRecordDescriptor.BYTES_SENT_OFFSET) + " "
                    + buffer.getLong(index + AccessLogRecordDescriptor.DURATION_NANOS_OFFSET) + " ["
                    + new String(line, StandardCharsets.ISO_8859_1) + "]");
        });
        assertEquals(
                List.of(
                        "c6120002 784111777000 206 1234 5678 [GET /v/seg%201.ts?x=1 HTTP/1.1]",
                        "7f000001 784111777000 400 100 1 [GET /x HTTP/1.1]"),
                records);
    }

    @Test
    void aFullRingDropsAndCounts() {
        parse("GET /" + "a".repeat(2000) + " HTTP/1.1\r\nHost: h\r\n\r\n");
        int logged = 0;
        while (writer.log(request, 1, HttpStatus.OK, 1, 1)) {
            logged++;
        }
        assertTrue(
                logged > 0 && logged < RING_BYTES / AccessLogRecordDescriptor.MAX_REQUEST_LINE + 1, "logged " + logged);
        assertEquals(1, writer.dropped());
        assertEquals(logged, writer.written());
        int[] lengths = new int[1];
        ring.read((type, buffer, index, length) -> lengths[0] = length);
        assertEquals(AccessLogRecordDescriptor.MAX_RECORD_LENGTH, lengths[0], "long request lines are cut");
    }

    @Test
    void disabledLogsNothing() {
        assertFalse(AccessLogWriter.DISABLED.enabled());
        assertTrue(AccessLogWriter.DISABLED.log(request, 1, HttpStatus.OK, 1, 1));
        assertEquals(0, AccessLogWriter.DISABLED.written());
    }

    @Test
    void loggingAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        parse("GET /v/seg1.ts HTTP/1.1\r\nHost: h\r\n\r\n");
        MessageHandler discard = (type, buffer, index, length) -> {};
        for (int i = 0; i < 20_000; i++) {
            writer.log(request, 1, HttpStatus.OK, i, i);
            ring.read(discard);
        }
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < 3 && allocated != 0; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 10_000; i++) {
                writer.log(request, 1, HttpStatus.OK, i, i);
                ring.read(discard);
            }
            allocated = threads.getCurrentThreadAllocatedBytes() - before;
        }
        assertEquals(0, allocated, "bytes allocated by 10k access-log records");
        assertEquals(0, writer.dropped());
    }
}
