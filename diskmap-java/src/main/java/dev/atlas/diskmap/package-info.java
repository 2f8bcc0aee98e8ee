/**
 * diskmap-java's library API: {@code NvmeDevice} (open, read, write, flush, doorbells, close)
 * and {@code NvmeQueuePair}, the one-thread NVMe queue driver. Touches transports and buffers only.
 */
package dev.atlas.diskmap;
