/**
 * Pluggable congestion control (NewReno, CUBIC) as pure window arithmetic in bytes.
 * Touches nothing else: no frames, no clocks of its own.
 */
package dev.atlas.server.tcp.cc;
