package dev.atlas.server.http;

import dev.atlas.server.tcp.TcpConnection;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The request side shared by a lane's responders: a request slot per connection (riding on its
 * attachment), the parse loop over arriving bytes that hands each complete or refused request to
 * the responder, and closing a connection after what is queued. Lane thread only; no allocation.
 */
final class HttpInput {
    /** What a responder does with the requests of a connection. */
    interface Handler {
        /** A complete request; false when the connection is closing or gone (the rest of the input is dropped). */
        boolean onRequest(TcpConnection connection, HttpRequest request);

        /** A request the parser refused ({@link HttpRequest#errorStatus()}): answer it; the connection then closes. */
        void onMalformed(TcpConnection connection, HttpRequest request);
    }

    private final HttpRequestParser parser;
    private final RequestBufferPool requests;

    HttpInput(Arena arena, HttpLimits limits, int connections) {
        this.parser = new HttpRequestParser(limits);
        this.requests = new RequestBufferPool(arena, limits, connections);
    }

    /** Gives a new connection its request slot; false when every slot is taken (refuse the connection). */
    boolean attach(TcpConnection connection) {
        final HttpRequest request = requests.acquire();
        if (request == null) {
            return false;
        }
        connection.attachment(request);
        return true;
    }

    /** Parses arriving bytes into requests, answering each through {@code handler} before the next. */
    void onData(TcpConnection connection, MemorySegment data, long offset, int length, Handler handler) {
        if (!(connection.attachment() instanceof HttpRequest request)) {
            return; // answered with an error and closing: the rest of the input is ignored
        }
        long position = offset;
        int remaining = length;
        while (remaining > 0) {
            final ParseResult result = parser.onData(request, data, position, remaining);
            if (result == ParseResult.NEED_MORE) {
                return;
            }
            if (result == ParseResult.ERROR) {
                handler.onMalformed(connection, request);
                return;
            }
            final int consumed = request.consumed();
            if (!handler.onRequest(connection, request)) {
                return;
            }
            request.reset();
            position += consumed;
            remaining -= consumed;
        }
    }

    /** The connection's request, when it is idle between requests (no bytes of the next one yet), else null. */
    HttpRequest idleRequest(TcpConnection connection) {
        return connection.attachment() instanceof HttpRequest request && !request.inProgress() ? request : null;
    }

    /** FIN after what is queued; later input on the connection is ignored. */
    void closeAfterQueued(TcpConnection connection) {
        release(connection);
        connection.shutdownOutput();
    }

    /** Gives the connection's request slot back (it closed, or answers no more requests). */
    void release(TcpConnection connection) {
        if (connection.attachment() instanceof HttpRequest request) {
            requests.release(request);
            connection.attachment(null);
        }
    }
}
