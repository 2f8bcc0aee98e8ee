/**
 * The {@code af_packet} backend: TPACKET_V2 RX and TX rings (virtio-net headers on TX
 * for TSO/GSO super-frames) mapped over FFM, plus the few libc calls and namespace helpers they
 * need. Touches only the kernel's packet sockets; knows frames, not protocols.
 */
package dev.atlas.server.ring.afpacket;
