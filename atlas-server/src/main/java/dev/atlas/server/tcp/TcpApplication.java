package dev.atlas.server.tcp;

import java.lang.foreign.MemorySegment;

/**
 * What runs on top of a lane's TCP engine (the HTTP responder). Called on the lane thread, from
 * inside the lane's receive, output or timer step ({@link TcpStack#onTcpSegment}, {@link TcpStack#output},
 * {@link TcpStack#timers}); callbacks must not block.
 */
public interface TcpApplication {
    /** A connection completed its handshake. */
    void onAccept(TcpConnection connection);

    /**
     * In-order bytes arrived. {@code data} is valid only during the call; {@code offset} is the
     * position of the bytes in {@code data}, {@code length} how many. Returns how many of them,
     * from the first, the application took: only those are acknowledged; the peer sends the rest
     * again. An application that cannot hold more caps the window with
     * {@link TcpConnection#receiveLimit(int)} so that a peer keeping to it is never refused.
     */
    int onData(TcpConnection connection, MemorySegment data, long offset, int length);

    /** Every byte queued so far was acknowledged by the peer. */
    void onSendComplete(TcpConnection connection);

    /** The connection is gone (closed, reset or timed out); the object is reused afterwards. */
    void onClose(TcpConnection connection);

    /**
     * The deadline set with {@link TcpConnection#deadline(long)} has passed (it fires once; set it
     * again to be called again). Nothing happens by default.
     */
    default void onDeadline(TcpConnection connection) {}
}
