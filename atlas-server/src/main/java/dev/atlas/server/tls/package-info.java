/**
 * HTTPS on a lane: the Bouncy Castle handshake driven on the lane thread, the key takeover after
 * it, and our own record layer in both directions (requests opened, responses sealed from the
 * stream offset, alerts and key updates answered). Uses the TCP engine's connection and payload
 * source interfaces and wraps the lane's HTTP responder; touches no other room.
 */
package dev.atlas.server.tls;
