/**
 * {@code ./atlas bench tcp} and the peer tooling the interop tests share: running the Atlas server
 * in a namespace, checking pattern bodies, reading kernel TCP counters. May touch bench.netns and the server's public API.
 */
package dev.atlas.bench.tcp;
