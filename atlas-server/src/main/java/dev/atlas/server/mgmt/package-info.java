/**
 * The management plane: a small HTTP server on the kernel's stack (its own thread, off the hot
 * path) for /metrics, health, readiness, drain and reload; and the meters that read lanes' counters.
 * May read the counters of lanes, TCP, HTTP and storage; never writes lane state except through
 * registered hooks and admin actions.
 */
package dev.atlas.server.mgmt;
