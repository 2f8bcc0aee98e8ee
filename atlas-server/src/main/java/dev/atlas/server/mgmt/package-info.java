/**
 * The management plane: a small HTTP server on the kernel's stack (its own thread, off the hot
 * path) for /metrics, health, readiness, drain and reload; and the meters that read lanes' counters.
 * May read lane and TCP counters; never writes lane state except through registered hooks.
 */
package dev.atlas.server.mgmt;
