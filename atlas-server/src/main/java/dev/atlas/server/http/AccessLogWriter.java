package dev.atlas.server.http;

import static dev.atlas.server.http.AccessLogRecordDescriptor.BYTES_SENT_OFFSET;
import static dev.atlas.server.http.AccessLogRecordDescriptor.CLIENT_IPV4_OFFSET;
import static dev.atlas.server.http.AccessLogRecordDescriptor.DURATION_NANOS_OFFSET;
import static dev.atlas.server.http.AccessLogRecordDescriptor.MAX_REQUEST_LINE;
import static dev.atlas.server.http.AccessLogRecordDescriptor.MSG_TYPE_RESPONSE;
import static dev.atlas.server.http.AccessLogRecordDescriptor.REQUEST_LINE_LENGTH_OFFSET;
import static dev.atlas.server.http.AccessLogRecordDescriptor.REQUEST_LINE_OFFSET;
import static dev.atlas.server.http.AccessLogRecordDescriptor.STATUS_OFFSET;
import static dev.atlas.server.http.AccessLogRecordDescriptor.TIMESTAMP_MILLIS_OFFSET;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * A lane's side of the access log: one binary record per response, claimed and committed in
 * place in the lane's one-to-one ring buffer (the lane is its only producer), formatted to text
 * later by a flusher on another thread. No allocation, no blocking: when the ring is full the
 * record is dropped and counted, because serving must never wait for logging.
 * {@link #DISABLED} logs nothing, for an access log that is turned off.
 */
public final class AccessLogWriter {
    /** The writer of a turned-off access log. */
    public static final AccessLogWriter DISABLED = new AccessLogWriter();

    /** "HTTP/1.1" after the target and a space. */
    private static final int VERSION_WITH_SPACE = 9;

    private final RingBuffer ring;
    private final EpochClock clock;
    private long written;
    private long dropped;

    private AccessLogWriter() {
        this.ring = null;
        this.clock = null;
    }

    /**
     * @param ring  this lane's ring, drained by the flusher
     * @param clock the lane's wall clock (milliseconds)
     */
    public AccessLogWriter(RingBuffer ring, EpochClock clock) {
        if (ring.maxMsgLength() < AccessLogRecordDescriptor.MAX_RECORD_LENGTH) {
            throw new IllegalArgumentException("an access-log ring must take records of "
                    + AccessLogRecordDescriptor.MAX_RECORD_LENGTH + " bytes; this one takes " + ring.maxMsgLength());
        }
        this.ring = ring;
        this.clock = clock;
    }

    public boolean enabled() {
        return ring != null;
    }

    /**
     * Logs one response.
     *
     * @param request       the request answered; for one that failed to parse, its first line as received
     * @param clientIpv4    the client's IPv4 address, big-endian in an int (198.18.0.2 = 0xC6120002)
     * @param bytesSent     response bytes including the head
     * @param durationNanos from the request's last byte to the response's last byte acknowledged
     * @return false when the record was dropped because the flusher is behind
     */
    public boolean log(HttpRequest request, int clientIpv4, HttpStatus status, long bytesSent, long durationNanos) {
        return log(
                request.buffer(), 0, requestLineLength(request), clientIpv4, status.code(), bytesSent, durationNanos);
    }

    /**
     * Logs one response whose request line was saved earlier: {@code lineLength} bytes of
     * {@code line} from {@code lineOffset} (cut to {@link AccessLogRecordDescriptor#MAX_REQUEST_LINE}).
     */
    public boolean log(
            MemorySegment line,
            long lineOffset,
            int lineLength,
            int clientIpv4,
            int statusCode,
            long bytesSent,
            long durationNanos) {
        if (ring == null) {
            return true;
        }
        int length = Math.min(MAX_REQUEST_LINE, lineLength);
        int index = ring.tryClaim(MSG_TYPE_RESPONSE, REQUEST_LINE_OFFSET + length);
        if (index < 0) {
            dropped++;
            return false;
        }
        AtomicBuffer buffer = ring.buffer();
        buffer.putLong(index + TIMESTAMP_MILLIS_OFFSET, clock.time());
        buffer.putLong(index + DURATION_NANOS_OFFSET, durationNanos);
        buffer.putLong(index + BYTES_SENT_OFFSET, bytesSent);
        buffer.putInt(index + CLIENT_IPV4_OFFSET, clientIpv4);
        buffer.putShort(index + STATUS_OFFSET, (short) statusCode);
        buffer.putShort(index + REQUEST_LINE_LENGTH_OFFSET, (short) length);
        for (int i = 0; i < length; i++) {
            buffer.putByte(index + REQUEST_LINE_OFFSET + i, line.get(ValueLayout.JAVA_BYTE, lineOffset + i));
        }
        ring.commit(index);
        written++;
        return true;
    }

    /**
     * Bytes of the request line at the start of the request's buffer (leading empty lines are
     * not kept there): through the version for a parsed request, the first line as far as it
     * was received for one the parser refused.
     */
    public static int requestLineLength(HttpRequest request) {
        return request.errorStatus() == null
                ? Math.min(MAX_REQUEST_LINE, request.targetOffset() + request.targetLength() + VERSION_WITH_SPACE)
                : receivedFirstLine(request);
    }

    /**
     * For a request the parser refused: its first line as far as it was received, so the
     * operator sees what was sent (the flusher escapes what is not printable).
     */
    private static int receivedFirstLine(HttpRequest request) {
        MemorySegment head = request.buffer();
        int limit = Math.min(MAX_REQUEST_LINE, request.writeIndex);
        for (int i = 0; i < limit; i++) {
            byte b = head.get(ValueLayout.JAVA_BYTE, i);
            if (b == '\r' || b == '\n') {
                return i;
            }
        }
        return limit;
    }

    /** Records logged (single writer: the lane; read racily by metrics). */
    public long written() {
        return written;
    }

    /** Records dropped because the ring was full. */
    public long dropped() {
        return dropped;
    }
}
