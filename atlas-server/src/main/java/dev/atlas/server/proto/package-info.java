/**
 * Wire formats below TCP's state machine: Ethernet, ARP, IPv4, ICMP and TCP header flyweights,
 * Internet checksums, addresses, the ARP table and {@link dev.atlas.server.proto.FrameInput}.
 * Touches frames in packet-ring slots only; knows nothing of connections beyond the TCP header.
 */
package dev.atlas.server.proto;
