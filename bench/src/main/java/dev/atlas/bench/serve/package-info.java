/**
 * {@code ./atlas bench serve}: Atlas against nginx on the thesis's workload (random 300 KiB chunks,
 * cold and hot content, with and without the middlebox's delay bands), with wrk as the client.
 * Uses the bench topology ({@code netns}) and starts the servers as child processes; writes
 * CSV, gnuplot PNGs and a summary under {@code bench/results/}. Touches only the namespaces,
 * memory cgroup and processes it made itself.
 */
package dev.atlas.bench.serve;
