/** Tests of {@code ./atlas bench serve}: its parsers and plan without root, and the whole harness on a tiny configuration. */
package dev.atlas.bench.serve;
