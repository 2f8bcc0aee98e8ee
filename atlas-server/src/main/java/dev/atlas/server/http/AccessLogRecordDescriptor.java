package dev.atlas.server.http;

/**
 * Layout of one access-log record in a lane's ring buffer (little-endian, as Agrona writes):
 * fixed fields, then the request line exactly as received (truncated to
 * {@link #MAX_REQUEST_LINE}). The lane writes it; the log flusher formats it as text.
 */
public final class AccessLogRecordDescriptor {
    /** Message type in the ring: one completed response. */
    public static final int MSG_TYPE_RESPONSE = 1;

    public static final int TIMESTAMP_MILLIS_OFFSET = 0;
    public static final int DURATION_NANOS_OFFSET = TIMESTAMP_MILLIS_OFFSET + Long.BYTES;
    public static final int BYTES_SENT_OFFSET = DURATION_NANOS_OFFSET + Long.BYTES;
    public static final int CLIENT_IPV4_OFFSET = BYTES_SENT_OFFSET + Long.BYTES;
    public static final int STATUS_OFFSET = CLIENT_IPV4_OFFSET + Integer.BYTES;
    public static final int REQUEST_LINE_LENGTH_OFFSET = STATUS_OFFSET + Short.BYTES;
    public static final int REQUEST_LINE_OFFSET = REQUEST_LINE_LENGTH_OFFSET + Short.BYTES;

    /** Longer request lines are cut; a log line need not carry an 8 KiB target. */
    public static final int MAX_REQUEST_LINE = 1024;

    public static final int MAX_RECORD_LENGTH = REQUEST_LINE_OFFSET + MAX_REQUEST_LINE;

    private AccessLogRecordDescriptor() {}
}
