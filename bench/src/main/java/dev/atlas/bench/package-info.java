/**
 * Benchmark harness: namespaces, the delay middlebox, load drivers and baselines measured in
 * the same run. Never part of the appliance.
 */
package dev.atlas.bench;
