package dev.atlas.diskmap.uring;

import dev.atlas.diskmap.transport.DiskmapException;

/** An io_uring or libc call failed; the message is an operator sentence, {@link #errno()} the cause. */
public final class UringException extends DiskmapException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public UringException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
