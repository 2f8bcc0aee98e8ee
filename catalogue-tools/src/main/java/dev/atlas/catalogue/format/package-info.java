/**
 * The catalogue's bytes on disk: descriptors of named offsets, flyweights over MemorySegment for
 * the superblock and index entries, and the codecs that validate them. Pure memory, no I/O.
 */
package dev.atlas.catalogue.format;
