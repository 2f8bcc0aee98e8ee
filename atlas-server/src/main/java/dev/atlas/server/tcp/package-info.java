/**
 * The userspace TCP engine of one lane: connection table, state machine, send streams without
 * socket buffers, SACK loss recovery and timers. May touch {@code proto} flyweights and the {@code ring} SPI only.
 */
package dev.atlas.server.tcp;
