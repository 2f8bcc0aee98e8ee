/**
 * The benchmark topology: the {@code cli}, {@code mbox} and {@code srv} network namespaces (or a
 * direct cli—srv pair), their veth pairs, bridge and nftables rule, and {@code ./atlas netns}.
 * Touches only namespaces it names itself (prefix + suffix) and processes it started.
 */
package dev.atlas.bench.netns;
