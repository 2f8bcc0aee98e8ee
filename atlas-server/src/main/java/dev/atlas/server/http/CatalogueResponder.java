package dev.atlas.server.http;

import dev.atlas.server.lane.Readiness;
import dev.atlas.server.storage.CurrentCatalogue;
import dev.atlas.server.storage.ExtentSource;
import dev.atlas.server.storage.GenerationPins;
import dev.atlas.server.storage.ServedCatalogue;
import dev.atlas.server.tcp.TcpConnection;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.agrona.concurrent.EpochClock;

/**
 * The appliance's HTTP/1.1 server on one lane (DESIGN.md §9): answers GET and HEAD for the
 * catalogue's names with 200, 206 (one byte range), 304 (If-None-Match / If-Modified-Since),
 * 404, 405, 416, the parser's 400/413/414/431/501/505, and 503 while draining; 204 with the CORS
 * fields to a browser's OPTIONS preflight; persistent
 * connections and pipelining of any depth (a request whose answer has no room to be queued waits,
 * and the client's receive window closes behind it, see {@link HttpInput}); CORS for browser players. A response is a retained head plus,
 * for a body, one stream segment naming the file's drive extent: the {@link ExtentSource}
 * reads those bytes from the drive when the connection's window opens, and again if they are
 * lost. Nothing of the body is held in memory between sends.
 *
 * <p>Each response pins the catalogue generation it was looked up in until the peer has
 * acknowledged it, and is written to the access log then, with its duration.
 *
 * <p>One instance per lane, on the lane thread; allocation-free per request.
 */
public final class CatalogueResponder implements Responder, HttpInput.Handler {
    /** Room for the longest head (or canned error) this responder writes. */
    private static final int HEAD_CAPACITY = 1024;
    /**
     * Responses a connection may have queued and not yet acknowledged; the requests of a client
     * pipelining deeper wait (held, then held back by the window) until these complete.
     */
    public static final int PENDING_RESPONSES = 8;
    /** Seconds a client is told to wait before retrying a draining server elsewhere or later. */
    private static final long RETRY_AFTER_SECONDS = 5;

    private final CurrentCatalogue catalogue;
    private final ExtentSource extents;
    private final GenerationPins pins;
    private final Readiness readiness;
    private final AccessLogWriter accessLog;
    private final HttpInput input;
    private final PendingResponses pending;
    private final ResponseHead head;
    private final ErrorResponses errors;
    private final ByteRange range = new ByteRange();
    private final MemorySegment scratch;
    private final HttpCounters counters = new HttpCounters();
    /** This lane's connections by id, for the drain sweep. */
    private final TcpConnection[] connections;

    private boolean drainSwept;
    /** When the bytes being parsed arrived: a response's duration counts from there. */
    private long arrivalNanos;

    /**
     * @param connections the lane's TCP connection table size
     * @param catalogue   what new requests are served from
     * @param extents     the lane's drive reader
     * @param pins        the lane's record of generations its responses read from
     * @param readiness   whether the server is draining (then new requests get 503)
     */
    public CatalogueResponder(
            int connections,
            CurrentCatalogue catalogue,
            ExtentSource extents,
            GenerationPins pins,
            Readiness readiness,
            AccessLogWriter accessLog,
            HttpLimits limits,
            EpochClock clock) {
        final Arena arena = Arena.ofAuto();
        this.connections = new TcpConnection[connections];
        this.catalogue = catalogue;
        this.extents = extents;
        this.pins = pins;
        this.readiness = readiness;
        this.accessLog = accessLog;
        this.input = new HttpInput(arena, limits, connections);
        this.pending = new PendingResponses(connections, PENDING_RESPONSES);
        this.head = new ResponseHead(new CachedDate(clock), "atlas");
        this.errors = new ErrorResponses(head, true);
        this.scratch = arena.allocate(HEAD_CAPACITY);
    }

    public HttpCounters counters() {
        return counters;
    }

    // ---------------------------------------------------------------------------------------
    // TcpApplication
    // ---------------------------------------------------------------------------------------

    @Override
    public void onAccept(TcpConnection connection) {
        if (!input.attach(connection)) {
            counters.refused++;
            connection.abort();
            return;
        }
        connections[connection.id()] = connection;
    }

    @Override
    public int onData(TcpConnection connection, MemorySegment data, long offset, int length) {
        arrivalNanos = System.nanoTime();
        final long declined = input.declinedBytes();
        final long waits = input.waits();
        final int taken = input.onData(connection, data, offset, length, this);
        counters.inputDeclinedBytes += input.declinedBytes() - declined;
        counters.pipelineWaits += input.waits() - waits;
        return taken;
    }

    @Override
    public int onRequest(TcpConnection connection, HttpRequest request) {
        final int next = respond(connection, request, arrivalNanos);
        if (next != WAIT) {
            counters.requests++;
        }
        return next;
    }

    @Override
    public int onMalformed(TcpConnection connection, HttpRequest request) {
        final int n = errors.parseError(scratch, 0, HEAD_CAPACITY, request);
        final HttpStatus status = request.errorStatus() == null ? HttpStatus.BAD_REQUEST : request.errorStatus();
        final int next = queueHead(connection, request, n, status, arrivalNanos, NO_GENERATION);
        if (next == WAIT) {
            return WAIT;
        }
        counters.malformed++;
        if (next == NEXT) {
            input.closeAfterQueued(connection);
        }
        return STOP;
    }

    @Override
    public void onSendComplete(TcpConnection connection) {
        final long now = System.nanoTime();
        completeAcknowledged(connection, now);
        // Room again: answer what waited (the window reopens as held bytes are parsed).
        arrivalNanos = now;
        final long waits = input.waits();
        input.resume(connection, this);
        counters.pipelineWaits += input.waits() - waits;
        if (readiness.isDraining() && input.isBetweenRequests(connection)) {
            input.closeAfterQueued(connection); // a drain closes keep-alive connections once they are idle
        }
    }

    /** A request head too slow (408, close) or a keep-alive connection idle too long (close). */
    @Override
    public void onDeadline(TcpConnection connection) {
        arrivalNanos = System.nanoTime();
        input.onDeadline(connection, this);
    }

    @Override
    public void onClose(TcpConnection connection) {
        completeAcknowledged(connection, System.nanoTime());
        abandonPending(connection);
        extents.release(connection);
        input.release(connection);
        connections[connection.id()] = null;
    }

    /**
     * The lane's HTTP step: once a drain has begun, closes every idle keep-alive connection (one
     * sweep); busy ones close when their responses complete. Returns the work done.
     */
    @Override
    public int doWork() {
        if (drainSwept || !readiness.isDraining()) {
            return 0;
        }
        drainSwept = true;
        int closed = 0;
        for (int id = 0; id < connections.length; id++) {
            final TcpConnection connection = connections[id];
            if (connection != null
                    && connection.isWritable()
                    && pending.count(id) == 0
                    && input.isBetweenRequests(connection)) {
                input.closeAfterQueued(connection);
                closed++;
            }
        }
        return closed;
    }

    // ---------------------------------------------------------------------------------------
    // Responses
    // ---------------------------------------------------------------------------------------

    private static final long NO_GENERATION = -1;

    /** Answers one complete request: {@code NEXT}, {@code STOP} (closing or gone) or {@code WAIT} (no room yet). */
    private int respond(TcpConnection connection, HttpRequest request, long now) {
        final boolean withBody = request.method() == HttpMethod.GET;
        if (readiness.isDraining()) {
            final int n = errors.serviceUnavailable(scratch, 0, HEAD_CAPACITY, withBody, RETRY_AFTER_SECONDS);
            final int next = queueHead(connection, request, n, HttpStatus.SERVICE_UNAVAILABLE, now, NO_GENERATION);
            if (next == NEXT) {
                input.closeAfterQueued(connection);
            }
            return next == WAIT ? WAIT : STOP;
        }
        final boolean keepAlive = request.keepAlive();
        if (request.method() == HttpMethod.OPTIONS) {
            // A browser player's CORS preflight (before a request with, say, If-None-Match).
            final int n = head.wrap(scratch, 0, HEAD_CAPACITY)
                    .status(HttpStatus.NO_CONTENT)
                    .date()
                    .server()
                    .allowWithOptions()
                    .corsPreflight()
                    .connection(keepAlive)
                    .end();
            return answer(connection, request, n, HttpStatus.NO_CONTENT, keepAlive, now);
        }
        if (request.method() == HttpMethod.OTHER) {
            return answer(
                    connection,
                    request,
                    errors.methodNotAllowed(scratch, 0, HEAD_CAPACITY, keepAlive),
                    HttpStatus.METHOD_NOT_ALLOWED,
                    keepAlive,
                    now);
        }
        final ServedCatalogue served = catalogue.get();
        final int entry = served.lookup(request.name(), request.nameLength());
        if (entry == ServedCatalogue.MISSING) {
            return answer(
                    connection,
                    request,
                    errors.notFound(scratch, 0, HEAD_CAPACITY, keepAlive, withBody),
                    HttpStatus.NOT_FOUND,
                    keepAlive,
                    now);
        }
        final byte[] etag = served.etag(entry);
        final long modified = served.lastModifiedSeconds(entry);
        final long complete = served.length(entry);
        if (Preconditions.notModified(request, etag, modified)) {
            final int n = head.wrap(scratch, 0, HEAD_CAPACITY)
                    .status(HttpStatus.NOT_MODIFIED)
                    .date()
                    .server()
                    .etag(etag)
                    .lastModified(modified)
                    .cors()
                    .connection(keepAlive)
                    .end();
            return answer(connection, request, n, HttpStatus.NOT_MODIFIED, keepAlive, now);
        }
        long first = 0;
        long count = complete;
        HttpStatus status = HttpStatus.OK;
        if (request.hasRange() && Preconditions.rangeApplies(request, etag, modified)) {
            final RangeResult result =
                    range.parse(request.buffer(), request.rangeOffset(), request.rangeLength(), complete);
            if (result == RangeResult.UNSATISFIABLE) {
                return answer(
                        connection,
                        request,
                        errors.rangeNotSatisfiable(scratch, 0, HEAD_CAPACITY, keepAlive, withBody, complete),
                        HttpStatus.RANGE_NOT_SATISFIABLE,
                        keepAlive,
                        now);
            }
            if (result == RangeResult.SATISFIABLE) {
                status = HttpStatus.PARTIAL_CONTENT;
                first = range.first();
                count = range.length();
            }
        }
        head.wrap(scratch, 0, HEAD_CAPACITY)
                .status(status)
                .date()
                .server()
                .contentType(served.contentType(entry))
                .contentLength(count);
        if (status == HttpStatus.PARTIAL_CONTENT) {
            head.contentRange(first, first + count - 1, complete);
        }
        final int n = head.etag(etag)
                .lastModified(modified)
                .acceptRanges()
                .cors()
                .connection(keepAlive)
                .end();
        final boolean body = withBody && count > 0;
        if (n < 0 || !connection.isWritable()) {
            return refuse(connection);
        }
        if (!hasRoom(connection, n, body ? 2 : 1)) {
            return waitForRoom(connection);
        }
        final long start = connection.queuedOffset();
        if (!connection.sendRetained(scratch, 0, n)
                || body && !connection.send(extents, served.drive(entry), served.address(entry) + first, count)) {
            return refuse(connection);
        }
        pins.pin(served.generation());
        pending.add(
                connection.id(),
                start,
                connection.queuedOffset(),
                status.code(),
                now,
                served.generation(),
                request.buffer(),
                AccessLogWriter.requestLineLength(request));
        counters.count(status);
        if (body) {
            counters.bodyBytesQueued += count;
        }
        if (!keepAlive) {
            input.closeAfterQueued(connection);
            return STOP;
        }
        return NEXT;
    }

    /** Queues a head-only answer: {@code NEXT}, {@code STOP} or {@code WAIT}. */
    private int answer(
            TcpConnection connection, HttpRequest request, int length, HttpStatus status, boolean keepAlive, long now) {
        final int next = queueHead(connection, request, length, status, now, NO_GENERATION);
        if (next != NEXT) {
            return next;
        }
        if (!keepAlive) {
            input.closeAfterQueued(connection);
            return STOP;
        }
        return NEXT;
    }

    /** Queues a complete head-only response (and its log entry): {@code NEXT}, {@code WAIT} for room, {@code STOP} when reset. */
    private int queueHead(
            TcpConnection connection, HttpRequest request, int length, HttpStatus status, long now, long generation) {
        if (length < 0 || !connection.isWritable()) {
            return refuse(connection);
        }
        if (!hasRoom(connection, length, 1)) {
            return waitForRoom(connection);
        }
        final long start = connection.queuedOffset();
        if (!connection.sendRetained(scratch, 0, length)) {
            return refuse(connection);
        }
        pending.add(
                connection.id(),
                start,
                connection.queuedOffset(),
                status.code(),
                now,
                generation,
                request.buffer(),
                AccessLogWriter.requestLineLength(request));
        counters.count(status);
        return NEXT;
    }

    /** Whether a response of a {@code headLength}-byte head in {@code segments} stream segments can be queued now. */
    private boolean hasRoom(TcpConnection connection, int headLength, int segments) {
        return !pending.isFull(connection.id())
                && connection.retainedFree() >= headLength
                && connection.segmentsFree() >= segments;
    }

    /**
     * No room for an answer: it waits for the ones queued to complete, which resume it. With
     * nothing queued nothing would (the answer can never fit): reset instead.
     */
    private int waitForRoom(TcpConnection connection) {
        return connection.unacknowledgedBytes() > 0 ? WAIT : refuse(connection);
    }

    /** A response that cannot be queued though there was room (or a connection that can send no more): reset it. */
    private int refuse(TcpConnection connection) {
        counters.refused++;
        connection.abort(); // onClose releases the request slot, chunks and pending responses
        return STOP;
    }

    /** Logs and unpins every pending response the peer has acknowledged in full. */
    private void completeAcknowledged(TcpConnection connection, long now) {
        final int id = connection.id();
        final long acknowledged = connection.acknowledgedOffset();
        while (pending.count(id) > 0) {
            final int i = pending.oldest(id);
            if (pending.streamEnd(i) > acknowledged) {
                return;
            }
            finish(connection, i, pending.streamEnd(i) - pending.streamStart(i), now, RequestOutcome.COMPLETED);
            pending.removeOldest(id);
        }
    }

    /** The connection died with responses outstanding: log what reached the client, unpin. */
    private void abandonPending(TcpConnection connection) {
        final int id = connection.id();
        final long acknowledged = connection.acknowledgedOffset();
        final long now = System.nanoTime();
        final RequestOutcome outcome =
                connection.resetByPeer() ? RequestOutcome.ABORTED_BY_CLIENT : RequestOutcome.RESET_BY_SERVER;
        while (pending.count(id) > 0) {
            final int i = pending.oldest(id);
            counters.incomplete++;
            finish(
                    connection,
                    i,
                    Math.max(0, Math.min(acknowledged, pending.streamEnd(i)) - pending.streamStart(i)),
                    now,
                    outcome);
            pending.removeOldest(id);
        }
    }

    private void finish(TcpConnection connection, int i, long bytes, long now, RequestOutcome outcome) {
        if (pending.generation(i) != NO_GENERATION) {
            pins.unpin(pending.generation(i));
        }
        counters.responseBytes += bytes;
        counters.finished++;
        counters.ended(outcome, pending.status(i));
        accessLog.log(
                pending.lines(),
                pending.lineOffset(i),
                pending.lineLength(i),
                connection.remoteAddress(),
                pending.status(i),
                bytes,
                now - pending.startNanos(i));
    }
}
