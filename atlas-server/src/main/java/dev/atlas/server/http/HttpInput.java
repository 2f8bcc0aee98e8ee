package dev.atlas.server.http;

import dev.atlas.server.tcp.TcpConnection;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The request side shared by a lane's responders: a request slot for each connection with a
 * request under way (riding on its attachment, taken at a head's first byte and given back
 * between requests, so a hundred thousand idle keep-alive connections touch no request buffer),
 * the parse loop over arriving bytes that hands each complete or refused request to the
 * responder, and closing a connection after what is queued.
 *
 * <p>Pipelining of any depth: when the responder has no room to queue an answer
 * ({@link Handler#WAIT}), the request stays parsed in its slot and the bytes behind it are held
 * ({@link HeldInput}, a bounded budget per connection); the connection's receive window is capped
 * at what it can still hold, so a client far ahead is held back by TCP instead of being reset.
 * The responder calls {@link #resume} when answers have completed.
 *
 * <p>Slow clients are bounded: a request head must be complete {@link HttpLimits#headTimeoutNanos}
 * after its first byte (a new connection's first request that long after the handshake), else it
 * is answered 408 and the connection closes; a keep-alive connection waiting for its next request
 * closes after {@link HttpLimits#keepAliveTimeoutNanos}. Both are the connection's TCP deadline
 * ({@link TcpConnection#deadline}); the responder passes {@code onDeadline} on to
 * {@link #onDeadline}. A connection with nothing to send is also marked evictable — idle between
 * requests, or stalled in a head — so a full table makes room with it. Lane thread only; no allocation.
 */
final class HttpInput {
    /** Bytes of input one connection may hold while its answers wait for room (its receive window). */
    static final int HELD_BYTES_PER_CONNECTION = 16 * 1024;
    /** One held-input block per this many connections: only connections ahead of their answers need one. */
    private static final int CONNECTIONS_PER_HELD_BLOCK = 8;

    private static final int MIN_HELD_BLOCKS = 16;

    /** What a responder does with the requests of a connection. */
    interface Handler {
        /** The request was answered (queued): go on with the next. */
        int NEXT = 0;
        /** The connection is closing or gone: the rest of its input is dropped. */
        int STOP = 1;
        /** No room to queue the answer now: keep the request and what follows it until {@link #resume}. */
        int WAIT = 2;

        /** A complete request: {@link #NEXT}, {@link #STOP} or {@link #WAIT}. */
        int onRequest(TcpConnection connection, HttpRequest request);

        /**
         * A request the parser refused ({@link HttpRequest#errorStatus()}): answer it, after which the
         * connection closes ({@link #STOP}), or {@link #WAIT} for room to answer it.
         */
        int onMalformed(TcpConnection connection, HttpRequest request);
    }

    /** The attachment of an open connection between requests: it holds no request slot. */
    private static final Object BETWEEN_REQUESTS = new Object();

    private final HttpRequestParser parser;
    private final RequestBufferPool requests;
    private final HeldInput held;
    private final long headTimeoutNanos;
    private final long keepAliveTimeoutNanos;
    /** Per connection: the head deadline runs (since the head's first byte, or the handshake). */
    private final boolean[] headClock;
    /** Heads answered 408, and keep-alive connections closed for idling. */
    private long headTimeouts;

    private long keepAliveCloses;
    /** Bytes refused because the connection's budget or the lane's held-input pool was full. */
    private long declinedBytes;
    /** Times a request had to wait for room to queue its answer. */
    private long waits;

    HttpInput(Arena arena, HttpLimits limits, int connections) {
        this.parser = new HttpRequestParser(limits);
        this.requests = new RequestBufferPool(arena, limits, connections);
        this.held = new HeldInput(
                connections,
                Math.max(MIN_HELD_BLOCKS, connections / CONNECTIONS_PER_HELD_BLOCK),
                HELD_BYTES_PER_CONNECTION);
        this.headTimeoutNanos = limits.headTimeoutNanos();
        this.keepAliveTimeoutNanos = limits.keepAliveTimeoutNanos();
        this.headClock = new boolean[connections];
    }

    /**
     * Takes a new connection in, between requests: its request slot is taken with the first byte
     * of a head and given back when the connection is between requests again, so the slots
     * touched (resident) are those of the heads in progress at once, not one per connection.
     * False when it cannot be served (never, the table and the slots are sized alike).
     */
    boolean attach(TcpConnection connection) {
        connection.attachment(BETWEEN_REQUESTS);
        connection.receiveLimit(held.blockBytes());
        // The first request is awaited no longer than a head takes.
        headClock[connection.id()] = true;
        connection.deadline(headTimeoutNanos);
        connection.stalled();
        return true;
    }

    /**
     * Parses arriving bytes into requests, answering each through {@code handler} before the next;
     * returns how many bytes were taken (the rest is refused: TCP does not acknowledge it).
     */
    int onData(TcpConnection connection, MemorySegment data, long offset, int length, Handler handler) {
        final int taken = parse(connection, data, offset, length, handler);
        settle(connection);
        return taken;
    }

    private int parse(TcpConnection connection, MemorySegment data, long offset, int length, Handler handler) {
        if (connection.attachment() == BETWEEN_REQUESTS && !takeSlot(connection)) {
            declinedBytes += length;
            return 0; // no slot free: not acknowledged, the client sends the bytes again
        }
        if (!(connection.attachment() instanceof HttpRequest request)) {
            return length; // answered with an error and closing: the rest of the input is ignored
        }
        final int slot = request.poolSlot;
        if (isParked(request) || !held.isEmpty(slot)) {
            return hold(connection, slot, data, offset, length, 0);
        }
        long position = offset;
        int remaining = length;
        while (remaining > 0) {
            final ParseResult result = parser.onData(request, data, position, remaining);
            if (result == ParseResult.NEED_MORE) {
                return length;
            }
            final int consumed = request.consumed();
            position += consumed;
            remaining -= consumed;
            final int next = result == ParseResult.ERROR
                    ? handler.onMalformed(connection, request)
                    : handler.onRequest(connection, request);
            if (next == Handler.STOP) {
                return length;
            }
            if (next == Handler.WAIT) {
                waits++;
                return hold(connection, slot, data, position, remaining, length - remaining);
            }
            request.reset();
            headClock[connection.id()] = false; // the next head's clock starts with its own first byte
        }
        return length;
    }

    /** Gives a connection between requests a request slot; false when none is free. */
    private boolean takeSlot(TcpConnection connection) {
        final HttpRequest request = requests.acquire();
        if (request == null) {
            return false;
        }
        connection.attachment(request);
        return true;
    }

    /** Gives the slot of a connection between requests (nothing parsed, nothing held) back. */
    private void giveSlotBack(TcpConnection connection, HttpRequest request) {
        held.release(request.poolSlot);
        requests.release(request);
        connection.attachment(BETWEEN_REQUESTS);
    }

    /** Holds what it can of the bytes; returns {@code taken} plus how many were held. */
    private int hold(TcpConnection connection, int slot, MemorySegment data, long offset, int length, int taken) {
        final int kept = held.append(slot, data, offset, length);
        declinedBytes += length - kept;
        connection.receiveLimit(held.room(slot));
        return taken + kept;
    }

    /**
     * Answers what {@code connection} has waiting, now that answers have completed: its parked
     * request, then the requests in the bytes it holds, until one must wait again. Opens the
     * receive window by what was freed.
     */
    void resume(TcpConnection connection, Handler handler) {
        resumeParsing(connection, handler);
        settle(connection);
    }

    private void resumeParsing(TcpConnection connection, Handler handler) {
        if (!(connection.attachment() instanceof HttpRequest request)) {
            return;
        }
        final int slot = request.poolSlot;
        if (isParked(request)) {
            final int next = request.isComplete()
                    ? handler.onRequest(connection, request)
                    : handler.onMalformed(connection, request);
            if (next == Handler.STOP) {
                return;
            }
            if (next == Handler.WAIT) {
                return;
            }
            request.reset();
            headClock[connection.id()] = false;
        }
        while (!held.isEmpty(slot)) {
            final int length = held.held(slot);
            final ParseResult result = parser.onData(request, held.segment(), held.readOffset(slot), length);
            if (result == ParseResult.NEED_MORE) {
                held.consume(slot, length); // all of it is in the request buffer now
                break;
            }
            held.consume(slot, request.consumed());
            final int next = result == ParseResult.ERROR
                    ? handler.onMalformed(connection, request)
                    : handler.onRequest(connection, request);
            if (next == Handler.STOP) {
                return;
            }
            if (next == Handler.WAIT) {
                waits++;
                break;
            }
            request.reset();
            headClock[connection.id()] = false;
        }
        connection.receiveLimit(held.room(slot));
    }

    /**
     * After input or completed answers: which clock runs for the connection and whether a full
     * table may evict it. Sending answers: neither (their completion settles it again). Nothing
     * to send and a head under way: the head clock from its first byte, evictable as stalled.
     * Nothing at all: the keep-alive clock, evictable as idle.
     */
    private void settle(TcpConnection connection) {
        final Object attachment = connection.attachment();
        if (attachment instanceof HttpRequest request && !request.inProgress() && held.isEmpty(request.poolSlot)) {
            giveSlotBack(connection, request);
        }
        if (connection.attachment() == null) {
            return; // closing: the rest of its life is TCP's
        }
        final boolean sending = connection.unacknowledgedBytes() > 0;
        if (connection.attachment() instanceof HttpRequest) {
            if (!headClock[connection.id()]) {
                headClock[connection.id()] = true;
                connection.deadline(headTimeoutNanos);
            }
            if (sending) {
                connection.active();
            } else {
                connection.stalled();
            }
        } else if (sending) {
            connection.cancelDeadline();
            connection.active();
        } else if (!headClock[connection.id()]) {
            connection.deadline(keepAliveTimeoutNanos);
            connection.idle();
        }
    }

    /**
     * The connection's deadline passed: a head not complete in time (or a first request that
     * never came) is answered 408 through {@code handler} and the connection closes; an idle
     * keep-alive connection closes. While answers are still being sent the head waits on.
     */
    void onDeadline(TcpConnection connection, Handler handler) {
        if (connection.attachment() == null) {
            return;
        }
        if (connection.unacknowledgedBytes() > 0) {
            if (headClock[connection.id()]) {
                connection.deadline(headTimeoutNanos); // its answers are slow to be taken, not its head to come
            }
            return;
        }
        if (headClock[connection.id()]) {
            if (connection.attachment() == BETWEEN_REQUESTS && !takeSlot(connection)) {
                connection.abort(); // no slot to answer from: a reset says as much
                return;
            }
            final HttpRequest request = (HttpRequest) connection.attachment();
            headTimeouts++;
            request.state = HttpRequest.STATE_ERROR;
            request.errorStatus = HttpStatus.REQUEST_TIMEOUT;
            request.errorReason = "request head not complete in time";
            held.release(request.poolSlot);
            handler.onMalformed(connection, request);
        } else {
            keepAliveCloses++;
            closeAfterQueued(connection);
        }
    }

    long headTimeouts() {
        return headTimeouts;
    }

    long keepAliveCloses() {
        return keepAliveCloses;
    }

    /** A request parsed (or refused) and not yet answered: its answer waits for room. */
    private static boolean isParked(HttpRequest request) {
        return request.isComplete() || request.state == HttpRequest.STATE_ERROR;
    }

    /** Whether the connection is open and between requests (no bytes of the next one yet). */
    boolean isBetweenRequests(TcpConnection connection) {
        final Object attachment = connection.attachment();
        return attachment == BETWEEN_REQUESTS
                || attachment instanceof HttpRequest request && !request.inProgress() && held.isEmpty(request.poolSlot);
    }

    /** FIN after what is queued; later input on the connection is ignored. */
    void closeAfterQueued(TcpConnection connection) {
        release(connection);
        connection.shutdownOutput();
    }

    /** Gives the connection's request slot back (it closed, or answers no more requests). */
    void release(TcpConnection connection) {
        final Object attachment = connection.attachment();
        if (attachment == null) {
            return;
        }
        if (attachment instanceof HttpRequest request) {
            held.release(request.poolSlot);
            requests.release(request);
        }
        headClock[connection.id()] = false;
        connection.cancelDeadline();
        connection.active();
        connection.attachment(null);
    }

    long declinedBytes() {
        return declinedBytes;
    }

    long waits() {
        return waits;
    }
}
