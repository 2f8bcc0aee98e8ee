/**
 * The storage side of a lane: its queues to the catalogue's drives, its pool of DMA chunk
 * buffers, the source that reads response bytes from the drives just in time (when ACKs open
 * a connection's window) and the lane's read-only view of the served catalogue.
 * Uses diskmap-java and the catalogue format library; knows TCP only through its payload SPI.
 */
package dev.atlas.server.storage;
