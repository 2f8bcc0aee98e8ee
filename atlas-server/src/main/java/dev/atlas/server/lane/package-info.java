/**
 * Lanes: one thread per core running the Atlas duty cycle (rx, output and timers, TX sync, TX reap,
 * idle) over its own packet ring. May touch ring, proto and tcp objects it is given; owns no protocol logic.
 */
package dev.atlas.server.lane;
