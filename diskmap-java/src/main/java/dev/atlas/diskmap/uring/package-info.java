/**
 * io_uring by hand over FFM (setup, rings, enter, buffer registration) and the two io_uring
 * transports, {@code file} (O_DIRECT reads/writes) and {@code passthru} (NVMe commands on /dev/ngXnY).
 * May touch libc and the kernel through FFM and the transport contract; knows nothing above the queue pair.
 */
package dev.atlas.diskmap.uring;
