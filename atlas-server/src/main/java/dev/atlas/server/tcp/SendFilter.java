package dev.atlas.server.tcp;

import java.lang.foreign.MemorySegment;

/**
 * Stands between an application and a connection's send stream, transforming what it queues —
 * TLS puts each response into records. With a filter set ({@link TcpConnection#sendFilter}),
 * {@link TcpConnection#sendRetained}, {@link TcpConnection#send} and
 * {@link TcpConnection#retainedFree} go through it; the filter itself queues with
 * {@link TcpConnection#sendRetainedDirect} and {@link TcpConnection#sendDirect}.
 */
public interface SendFilter {
    /** As {@link TcpConnection#sendRetained}: false when nothing could be queued. */
    boolean sendRetained(TcpConnection connection, MemorySegment bytes, long offset, int length);

    /** As {@link TcpConnection#send}: false when nothing could be queued. */
    boolean send(TcpConnection connection, PayloadSource src, long token, long sourceOffset, long length);

    /** Application bytes that {@link #sendRetained} can take now. */
    long retainedFree(TcpConnection connection);

    /**
     * The application is done sending ({@link TcpConnection#shutdownOutput}): the filter may queue
     * its last bytes (TLS's close_notify) before the FIN.
     */
    default void closing(TcpConnection connection) {}
}
