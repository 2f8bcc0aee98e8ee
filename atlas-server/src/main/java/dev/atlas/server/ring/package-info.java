/**
 * Packet rings: the netmap-shaped {@link dev.atlas.server.ring.PacketRing} SPI, its AF_PACKET
 * backend (mapped rings over FFM), and what every frame needs whatever it carries: big-endian
 * field access and the Internet checksum a NIC's offload completes. Knows frames, not protocols;
 * imports no other room of the server.
 */
package dev.atlas.server.ring;
