package dev.atlas.server.http;

import dev.atlas.server.tcp.TcpConnection;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The request side shared by a lane's responders: a request slot per connection (riding on its
 * attachment), the parse loop over arriving bytes that hands each complete or refused request to
 * the responder, and closing a connection after what is queued.
 *
 * <p>Pipelining of any depth: when the responder has no room to queue an answer
 * ({@link Handler#WAIT}), the request stays parsed in its slot and the bytes behind it are held
 * ({@link HeldInput}, a bounded budget per connection); the connection's receive window is capped
 * at what it can still hold, so a client far ahead is held back by TCP instead of being reset.
 * The responder calls {@link #resume} when answers have completed. Lane thread only; no allocation.
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

    private final HttpRequestParser parser;
    private final RequestBufferPool requests;
    private final HeldInput held;
    /** Bytes refused because the connection's budget or the lane's held-input pool was full. */
    private long declinedBytes;
    /** Times a request had to wait for room to queue its answer. */
    private long waits;

    HttpInput(Arena arena, HttpLimits limits, int connections) {
        this.parser = new HttpRequestParser(limits);
        this.requests = new RequestBufferPool(arena, limits, connections);
        this.held = new HeldInput(arena, connections, Math.max(MIN_HELD_BLOCKS, connections / CONNECTIONS_PER_HELD_BLOCK),
            HELD_BYTES_PER_CONNECTION);
    }

    /** Gives a new connection its request slot; false when every slot is taken (refuse the connection). */
    boolean attach(TcpConnection connection) {
        final HttpRequest request = requests.acquire();
        if (request == null) {
            return false;
        }
        connection.attachment(request);
        connection.receiveLimit(held.room(request.poolSlot));
        return true;
    }

    /**
     * Parses arriving bytes into requests, answering each through {@code handler} before the next;
     * returns how many bytes were taken (the rest is refused: TCP does not acknowledge it).
     */
    int onData(TcpConnection connection, MemorySegment data, long offset, int length, Handler handler) {
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
            final int next = result == ParseResult.ERROR ? handler.onMalformed(connection, request)
                : handler.onRequest(connection, request);
            if (next == Handler.STOP) {
                return length;
            }
            if (next == Handler.WAIT) {
                waits++;
                return hold(connection, slot, data, position, remaining, length - remaining);
            }
            request.reset();
        }
        return length;
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
        if (!(connection.attachment() instanceof HttpRequest request)) {
            return;
        }
        final int slot = request.poolSlot;
        if (isParked(request)) {
            final int next = request.isComplete() ? handler.onRequest(connection, request) : handler.onMalformed(connection, request);
            if (next == Handler.STOP) {
                return;
            }
            if (next == Handler.WAIT) {
                return;
            }
            request.reset();
        }
        while (!held.isEmpty(slot)) {
            final int length = held.held(slot);
            final ParseResult result = parser.onData(request, held.segment(), held.readOffset(slot), length);
            if (result == ParseResult.NEED_MORE) {
                held.consume(slot, length); // all of it is in the request buffer now
                break;
            }
            held.consume(slot, request.consumed());
            final int next = result == ParseResult.ERROR ? handler.onMalformed(connection, request)
                : handler.onRequest(connection, request);
            if (next == Handler.STOP) {
                return;
            }
            if (next == Handler.WAIT) {
                waits++;
                break;
            }
            request.reset();
        }
        connection.receiveLimit(held.room(slot));
    }

    /** A request parsed (or refused) and not yet answered: its answer waits for room. */
    private static boolean isParked(HttpRequest request) {
        return request.isComplete() || request.state == HttpRequest.STATE_ERROR;
    }

    /** The connection's request, when it is idle between requests (no bytes of the next one yet), else null. */
    HttpRequest idleRequest(TcpConnection connection) {
        return connection.attachment() instanceof HttpRequest request && !request.inProgress()
            && held.isEmpty(request.poolSlot) ? request : null;
    }

    /** FIN after what is queued; later input on the connection is ignored. */
    void closeAfterQueued(TcpConnection connection) {
        release(connection);
        connection.shutdownOutput();
    }

    /** Gives the connection's request slot back (it closed, or answers no more requests). */
    void release(TcpConnection connection) {
        if (connection.attachment() instanceof HttpRequest request) {
            held.release(request.poolSlot);
            requests.release(request);
            connection.attachment(null);
        }
    }

    long declinedBytes() {
        return declinedBytes;
    }

    long waits() {
        return waits;
    }
}
