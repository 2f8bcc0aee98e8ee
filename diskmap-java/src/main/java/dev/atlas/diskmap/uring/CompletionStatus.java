package dev.atlas.diskmap.uring;

import dev.atlas.diskmap.nvme.NvmeOpcode;
import dev.atlas.diskmap.nvme.NvmeStatus;

/**
 * Maps an io_uring result (a byte count or {@code -errno}) of an NVMe command run as a file
 * operation to the NVMe status a real controller would have reported, so the driver's error
 * handling is the same for every transport.
 */
public final class CompletionStatus {
    private static final int EDQUOT = 122;

    private CompletionStatus() {}

    /**
     * @param opcode         the NVMe opcode the request came from
     * @param result         io_uring CQE res
     * @param expectedLength bytes the request asked for (0 for flush)
     */
    public static int of(int opcode, int result, int expectedLength) {
        if (result >= 0) {
            return result == expectedLength || opcode == NvmeOpcode.FLUSH
                    ? NvmeStatus.SUCCESS
                    : NvmeStatus.DATA_TRANSFER_ERROR;
        }
        return ofErrno(opcode, -result);
    }

    /** The NVMe status for a failed file operation. */
    public static int ofErrno(int opcode, int errno) {
        return switch (errno) {
            case Errno.EIO -> opcode == NvmeOpcode.READ ? NvmeStatus.UNRECOVERED_READ_ERROR : NvmeStatus.WRITE_FAULT;
            case Errno.EINVAL, Errno.EFAULT -> NvmeStatus.INVALID_FIELD | NvmeStatus.DO_NOT_RETRY;
            case Errno.ENOSPC, Errno.EFBIG, EDQUOT -> NvmeStatus.CAPACITY_EXCEEDED;
            case Errno.EBADF, Errno.EACCES, Errno.EPERM, Errno.EROFS ->
                NvmeStatus.ACCESS_DENIED | NvmeStatus.DO_NOT_RETRY;
            case Errno.ECANCELED -> NvmeStatus.ABORT_REQUESTED;
            case Errno.EOPNOTSUPP, Errno.ENOTTY -> NvmeStatus.INVALID_OPCODE | NvmeStatus.DO_NOT_RETRY;
            case Errno.ENXIO, Errno.ENODEV -> NvmeStatus.NAMESPACE_NOT_READY;
            default -> NvmeStatus.INTERNAL_ERROR;
        };
    }
}
