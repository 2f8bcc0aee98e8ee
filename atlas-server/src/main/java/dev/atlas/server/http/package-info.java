/**
 * HTTP/1.1 on the data path: an incremental, allocation-free request parser over per-connection
 * buffers, byte ranges, dates, response heads written into send buffers, the access log's lane
 * side, and the responders (catalogue, pattern) that answer on a lane's TCP connections as its
 * {@code TcpApplication}. May use tcp (connections), storage (extents, the served catalogue) and
 * lane's readiness flag; never rings, threads or the management plane.
 */
package dev.atlas.server.http;
