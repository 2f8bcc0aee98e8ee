/**
 * The delay middlebox of the benchmark topology: takes client→server frames off the mbox bridge
 * with an AF_PACKET ring, holds each flow for its delay band, drops a seeded fraction, and sends
 * the rest on through the server port. Reuses the server's packet-ring code; touches nothing else.
 */
package dev.atlas.bench.middlebox;
