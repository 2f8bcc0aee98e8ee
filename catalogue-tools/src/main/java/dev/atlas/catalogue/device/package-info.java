/**
 * How the catalogue reaches its devices: a small block interface (4 KiB catalogue blocks, DMA
 * buffers, flush) implemented over diskmap-java, and the advisory lock that keeps writers off
 * a served catalogue. May touch diskmap-java, FFM and the error package; knows nothing of the
 * format and never imports the catalogue package above it.
 */
package dev.atlas.catalogue.device;
