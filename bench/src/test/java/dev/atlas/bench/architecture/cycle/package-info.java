/**
 * Two packages that import each other on purpose, so the architecture test can show that its
 * rules fail on a cycle. Test code only; nothing else may use them.
 */
package dev.atlas.bench.architecture.cycle;
