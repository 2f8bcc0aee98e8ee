package dev.atlas.server.mgmt;

import static dev.atlas.server.http.AccessLogRecordDescriptor.BYTES_SENT_OFFSET;
import static dev.atlas.server.http.AccessLogRecordDescriptor.CLIENT_IPV4_OFFSET;
import static dev.atlas.server.http.AccessLogRecordDescriptor.DURATION_NANOS_OFFSET;
import static dev.atlas.server.http.AccessLogRecordDescriptor.REQUEST_LINE_LENGTH_OFFSET;
import static dev.atlas.server.http.AccessLogRecordDescriptor.REQUEST_LINE_OFFSET;
import static dev.atlas.server.http.AccessLogRecordDescriptor.STATUS_OFFSET;
import static dev.atlas.server.http.AccessLogRecordDescriptor.TIMESTAMP_MILLIS_OFFSET;

import dev.atlas.server.http.AccessLogRecordDescriptor;
import dev.atlas.server.http.AccessLogWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The access log's consumer: one ring per lane (each lane writes its own through an
 * {@link AccessLogWriter}), drained by a thread of its own that writes Common Log Format lines
 * plus the response time, e.g.
 * {@code 198.18.0.2 - - [25/Nov/2026:10:52:03 +0000] "GET /v/seg1.ts HTTP/1.1" 206 1000 0.000123}.
 * Allocation and blocking I/O happen here, never on a lane.
 */
public final class AccessLogFlusher implements AutoCloseable {
    private static final DateTimeFormatter CLF_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final long IDLE_PARK_NANOS = 5_000_000;
    private static final double NANOS_PER_SECOND = 1e9;
    private static final int OCTET_MASK = 0xFF;

    private final RingBuffer[] rings;
    private final AccessLogWriter[] writers;
    private final Writer out;
    private final Thread thread;
    private final StringBuilder line = new StringBuilder(256);
    private final MessageHandler handler = this::onRecord;
    private volatile boolean running = true;
    private volatile IOException failure;

    private AccessLogFlusher(Writer out, int lanes, int ringBytes, EpochClock clock) {
        if (Integer.bitCount(ringBytes) != 1) {
            throw new IllegalArgumentException("the access-log ring size must be a power of two, was " + ringBytes);
        }
        this.out = out;
        this.rings = new RingBuffer[lanes];
        this.writers = new AccessLogWriter[lanes];
        for (int lane = 0; lane < lanes; lane++) {
            // Off-heap and cache-line aligned: the ring's counters take 8-byte atomic operations,
            // which a byte[] does not guarantee to align (Agrona warns on every start, or throws
            // with agrona.strict.alignment.checks).
            rings[lane] = new OneToOneRingBuffer(new UnsafeBuffer(BufferUtil.allocateDirectAligned(
                    ringBytes + RingBufferDescriptor.TRAILER_LENGTH, BitUtil.CACHE_LINE_LENGTH)));
            writers[lane] = new AccessLogWriter(rings[lane], clock);
        }
        this.thread = new Thread(this::run, "atlas-access-log");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Opens (appends to) the access log file and starts the flusher.
     *
     * @param ringBytes per lane, a power of two; 1 MiB holds several thousand records
     * @throws UncheckedIOException with an operator sentence if the file cannot be opened
     */
    public static AccessLogFlusher toFile(Path file, int lanes, int ringBytes, EpochClock clock) {
        try {
            Writer writer = Files.newBufferedWriter(
                    file,
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
            return new AccessLogFlusher(writer, lanes, ringBytes, clock);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot open the access log " + file + ": " + reason(e)
                            + "; check the directory exists and is writable, or turn the access log off",
                    e);
        }
    }

    /** Why a file could not be opened, in words: the JDK's message for these is the bare path. */
    private static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "its directory does not exist";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage();
    }

    /** A flusher writing to any writer (standard output, tests). */
    public static AccessLogFlusher toWriter(Writer writer, int lanes, int ringBytes, EpochClock clock) {
        return new AccessLogFlusher(writer, lanes, ringBytes, clock);
    }

    /** The writer lane {@code lane} logs with; each lane must use only its own. */
    public AccessLogWriter writer(int lane) {
        return writers[lane];
    }

    /** Registers written/dropped counters for each lane's access log. */
    public void registerMetrics(AtlasMetrics metrics) {
        for (int lane = 0; lane < writers.length; lane++) {
            AccessLogWriter writer = writers[lane];
            metrics.registerLane(
                    Integer.toString(lane),
                    meters -> meters.counter(
                                    "atlas_access_log_records_total",
                                    "Access-log records written by the lane.",
                                    writer::written)
                            .counter(
                                    "atlas_access_log_dropped_total",
                                    "Access-log records dropped because the flusher fell behind.",
                                    writer::dropped));
        }
    }

    private void run() {
        while (running) {
            if (drainOnce() == 0) {
                flushQuietly();
                LockSupport.parkNanos(IDLE_PARK_NANOS);
            }
        }
    }

    /** Drains every ring once; returns the records written. */
    private int drainOnce() {
        int records = 0;
        for (RingBuffer ring : rings) {
            records += ring.read(handler);
        }
        return records;
    }

    private void onRecord(int type, MutableDirectBuffer buffer, int index, int length) {
        if (type != AccessLogRecordDescriptor.MSG_TYPE_RESPONSE) {
            return;
        }
        int ip = buffer.getInt(index + CLIENT_IPV4_OFFSET);
        line.setLength(0);
        line.append((ip >>> 24) & OCTET_MASK)
                .append('.')
                .append((ip >>> 16) & OCTET_MASK)
                .append('.')
                .append((ip >>> 8) & OCTET_MASK)
                .append('.')
                .append(ip & OCTET_MASK)
                .append(" - - [");
        CLF_TIME.formatTo(Instant.ofEpochMilli(buffer.getLong(index + TIMESTAMP_MILLIS_OFFSET)), line);
        line.append("] \"");
        int lineLength = buffer.getShort(index + REQUEST_LINE_LENGTH_OFFSET);
        if (lineLength == 0) {
            line.append('-');
        }
        for (int i = 0; i < lineLength; i++) {
            int b = buffer.getByte(index + REQUEST_LINE_OFFSET + i) & OCTET_MASK;
            // The request line came off the wire: keep the log one line per record and printable.
            if (b == '"' || b == '\\' || b < ' ' || b >= 0x7F) {
                line.append(String.format("\\x%02x", b));
            } else {
                line.append((char) b);
            }
        }
        line.append("\" ")
                .append(buffer.getShort(index + STATUS_OFFSET))
                .append(' ')
                .append(buffer.getLong(index + BYTES_SENT_OFFSET))
                .append(' ')
                .append(String.format(
                        Locale.ROOT, "%.6f", buffer.getLong(index + DURATION_NANOS_OFFSET) / NANOS_PER_SECOND))
                .append('\n');
        try {
            out.append(line);
        } catch (IOException e) {
            failure = e;
        }
    }

    private void flushQuietly() {
        try {
            out.flush();
        } catch (IOException e) {
            failure = e;
        }
    }

    /** The last write error, for the operator (a full disk must not stop serving), or null. */
    public IOException failure() {
        return failure;
    }

    /** Stops the thread after writing what the lanes have logged so far, then closes the log. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        while (drainOnce() > 0) {
            // Records logged before close still reach the file.
        }
        try {
            out.close();
        } catch (IOException e) {
            failure = e;
        }
    }
}
