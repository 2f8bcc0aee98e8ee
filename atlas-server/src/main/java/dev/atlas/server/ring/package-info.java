/**
 * Packet rings: the netmap-shaped {@link dev.atlas.server.ring.PacketRing} SPI and its backends
 * (AF_PACKET mapped rings over FFM, an in-process memory wire). Knows frames, not protocols.
 */
package dev.atlas.server.ring;
