/**
 * The {@code memory} backend: two in-process {@link dev.atlas.server.ring.PacketRing} endpoints
 * joined by a {@link dev.atlas.server.memory.MemoryWire} that behaves like a NIC and a link
 * (TSO/GSO segmentation, checksum completion, seeded loss, reordering, duplication and delay on
 * an explicit clock). It is a room of its own, not part of {@code ring}, because emulating a
 * NIC's TSO needs the protocol flyweights of {@code proto}, which sit above the ring SPI.
 */
package dev.atlas.server.memory;
