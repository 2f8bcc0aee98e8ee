/**
 * The on-disk catalogue: superblocks, the copy-on-write index, extents over several devices.
 * Reads and writes only through diskmap-java; knows nothing of networks.
 */
package dev.atlas.catalogue;
