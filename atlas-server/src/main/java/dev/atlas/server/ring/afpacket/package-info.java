/**
 * The {@code af_packet} backend: TPACKET_V3 RX and TPACKET_V2 TX rings (with virtio-net headers
 * for TSO/GSO super-frames) mapped over FFM, plus the few libc calls and namespace helpers they
 * need. Touches only the kernel's packet sockets; knows frames, not protocols.
 */
package dev.atlas.server.ring.afpacket;
