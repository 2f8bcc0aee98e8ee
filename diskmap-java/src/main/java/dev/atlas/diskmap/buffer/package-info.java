/**
 * DMA buffer pools: fixed-size, 4 KiB aligned buffers carved from one off-heap region per lane,
 * handed out LIFO. Touches only its own off-heap memory; transports register the region.
 */
package dev.atlas.diskmap.buffer;
