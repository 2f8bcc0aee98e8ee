/**
 * Transports: how a queue pair's raw NVMe SQ/CQ memory reaches a device (emulated controller,
 * io_uring on a file or block device, io_uring NVMe passthrough, the diskmap kernel module).
 * May touch FFM and the kernel; knows nothing of catalogues or networks.
 */
package dev.atlas.diskmap.transport;
