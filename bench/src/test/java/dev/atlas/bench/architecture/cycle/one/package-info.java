/** One side of the deliberate cycle the architecture test must reject. */
package dev.atlas.bench.architecture.cycle.one;
