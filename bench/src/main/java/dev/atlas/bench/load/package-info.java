/**
 * Load that checks what it gets: many kernel-TCP connections, each asking for random catalogue
 * files over keep-alive, every body hashed and compared with the catalogue's SHA-256, with
 * per-request latency and per-connection throughput (for fairness) recorded. Runs as its own
 * process inside the client namespace.
 */
package dev.atlas.bench.load;
