/**
 * The hashed timing wheel that holds every TCP timer of a lane in preallocated arrays.
 * Pure data structure: knows timer ids and deadlines, not connections.
 */
package dev.atlas.server.tcp.timer;
