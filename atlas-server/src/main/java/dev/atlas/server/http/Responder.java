package dev.atlas.server.http;

import dev.atlas.server.tcp.TcpApplication;

/**
 * An HTTP responder as a lane runs it: a TCP application (requests in, responses queued on the
 * connection's send stream) with a little work of its own in the output step.
 */
public interface Responder extends TcpApplication {
    /** Work the responder does once a pass, before frames are built (closing idle connections while draining). */
    int doWork();
}
