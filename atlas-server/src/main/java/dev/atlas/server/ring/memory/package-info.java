/**
 * The {@code memory} backend: two in-process {@link dev.atlas.server.ring.PacketRing} endpoints
 * joined by a {@link dev.atlas.server.ring.memory.MemoryWire} that behaves like a NIC and a link
 * (TSO/GSO segmentation, checksum completion, seeded loss, reordering, duplication and delay on
 * an explicit clock). Touches only its own off-heap memory; uses the proto flyweights to segment.
 */
package dev.atlas.server.ring.memory;
