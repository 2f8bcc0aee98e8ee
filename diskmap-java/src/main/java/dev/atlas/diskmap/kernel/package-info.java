/**
 * The {@code diskmap} transport: an NVMe I/O queue pair handed to this process by the
 * {@code diskmap.ko} kernel module (mapped rings, registered buffers, a checking doorbell ioctl).
 * May touch FFM and the module's character device; knows nothing of catalogues or networks.
 */
package dev.atlas.diskmap.kernel;
