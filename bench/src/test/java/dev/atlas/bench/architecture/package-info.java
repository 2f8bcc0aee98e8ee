/**
 * The repository's structure as a test: no package cycles, module dependencies one way
 * (atlas-server → catalogue-tools → diskmap-java; bench on top), every package a room with its
 * {@code package-info.java}.
 */
package dev.atlas.bench.architecture;
