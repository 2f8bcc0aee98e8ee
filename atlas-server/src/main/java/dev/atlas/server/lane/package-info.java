/**
 * Lanes: one thread per core running the Atlas loop (receive, plan, drive completions, output,
 * TX sync and reap, timers, idle) over its own packet ring, and the readiness flag its
 * responders and the management plane share. Knows the ring SPI and the {@link
 * dev.atlas.server.lane.LaneSteps} it is given; owns no protocol logic.
 */
package dev.atlas.server.lane;
