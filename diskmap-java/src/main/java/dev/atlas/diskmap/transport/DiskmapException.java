package dev.atlas.diskmap.transport;

import dev.atlas.diskmap.nvme.NvmeStatus;

/**
 * An expected failure at the edge of the library, with a sentence an operator can act on
 * (which device, what went wrong, what to do). Carries the NVMe status when a command failed.
 */
public class DiskmapException extends RuntimeException {
    private final int status;

    public DiskmapException(String message) {
        this(message, NvmeStatus.SUCCESS, null);
    }

    public DiskmapException(String message, Throwable cause) {
        this(message, NvmeStatus.SUCCESS, cause);
    }

    public DiskmapException(String message, int status) {
        this(message, status, null);
    }

    private DiskmapException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** The NVMe status of the failed command, or 0 when the failure was not a device status. */
    public int status() {
        return status;
    }
}
