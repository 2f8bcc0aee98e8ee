/**
 * Wire formats below TCP's state machine: Ethernet, ARP, IPv4, ICMP and TCP header flyweights,
 * addresses, the ARP table and {@link dev.atlas.server.proto.FrameInput}, the receive step's
 * dispatch. Touches frames in packet-ring slots only (uses {@code ring}); knows nothing of
 * connections beyond the TCP header.
 */
package dev.atlas.server.proto;
