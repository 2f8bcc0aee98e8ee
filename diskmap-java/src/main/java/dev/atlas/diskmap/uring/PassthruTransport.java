package dev.atlas.diskmap.uring;

import dev.atlas.diskmap.nvme.NvmeOpcode;
import dev.atlas.diskmap.nvme.NvmeStatus;
import dev.atlas.diskmap.transport.DeviceGeometry;
import dev.atlas.diskmap.transport.DiskmapException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code passthru} transport: the driver's own NVMe commands go to the drive through the
 * NVMe generic character device {@code /dev/ngXnY} as io_uring URING_CMDs
 * ({@link NvmeUringCommand#NVME_URING_CMD_IO}) on a ring set up with 128-byte SQEs and
 * 32-byte CQEs. The kernel owns the doorbells and builds the PRPs from the buffer address;
 * the CQE's result is the NVMe status (or -errno) and big_cqe[0] the completion's DW0.
 * Geometry comes from Identify Namespace (NVME_IOCTL_ADMIN_CMD, needs CAP_SYS_ADMIN).
 */
public final class PassthruTransport extends UringQueueTransport {
    /** Used when sysfs does not say what the kernel accepts per passthrough command. */
    public static final int DEFAULT_MAX_TRANSFER_BYTES = 128 * 1024;

    private static final Pattern GENERIC_DEVICE = Pattern.compile("ng(\\d+)n(\\d+)");

    private static final int ADMIN_IDENTIFY = 0x06;
    private static final int IDENTIFY_NAMESPACE = 0;
    private static final int IDENTIFY_BYTES = 4096;
    private static final int IDENTIFY_NSZE_OFFSET = 0;
    private static final int IDENTIFY_FLBAS_OFFSET = 26;
    private static final int IDENTIFY_LBAF_OFFSET = 128;
    private static final int FLBAS_LOW_MASK = 0xF;
    private static final int FLBAS_HIGH_SHIFT = 5;
    private static final int FLBAS_HIGH_MASK = 0x3;
    private static final int LBAF_LBADS_SHIFT = 16;
    private static final int LBAF_LBADS_MASK = 0xFF;
    private static final int COMMAND_ID_MASK = 0xFFFF;
    private static final int USER_DATA_OPCODE_SHIFT = 56;
    private static final int KIB = 1024;

    private final Path path;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment callState = LibC.newCallState(arena);
    private final NvmeUringCommand uringCommand = new NvmeUringCommand();

    /** Package-private so tests can drive the URING_CMD path over any descriptor. */
    PassthruTransport(Path path, int fd, IoUring ring, DeviceGeometry geometry, int queueDepth) {
        super("passthru transport on " + path, ring, geometry, queueDepth);
        this.path = path;
        this.fd = fd;
    }

    /** The ring a passthrough queue needs: big SQEs for the command, big CQEs for DW0. */
    static IoUring openRing(int queueDepth) {
        return IoUring.open(ringEntries(queueDepth), IoUringParams.SETUP_SQE128 | IoUringParams.SETUP_CQE32);
    }

    /**
     * Opens an NVMe namespace's generic character device, e.g. {@code /dev/ng0n1}.
     *
     * @throws DiskmapException with an operator sentence for any other path, a missing
     *                          device, or a kernel without NVMe passthrough
     */
    public static PassthruTransport open(Path device, int queueDepth) {
        checkQueueDepth(queueDepth);
        Matcher name = GENERIC_DEVICE.matcher(
                device.getFileName() == null ? "" : device.getFileName().toString());
        if (!name.matches()) {
            throw new DiskmapException(device + " is not an NVMe generic character device (/dev/ngXnY); the passthru"
                    + " transport needs one — use the file transport for image files and /dev/nvmeXnY block devices");
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment callState = LibC.newCallState(scratch);
            int fd = LibC.open(callState, scratch.allocateFrom(device.toString()), LibC.O_RDWR | LibC.O_CLOEXEC);
            if (fd < 0) {
                int errno = LibC.errno(callState);
                throw new UringException(
                        errno == Errno.ENOENT
                                ? device
                                        + " does not exist: no NVMe namespace by that name (list them with ls /dev/ng*;"
                                        + " needs Linux ≥ 5.19 and the nvme driver)"
                                : "cannot open " + device + ": " + LibC.strerror(errno),
                        errno);
            }
            IoUring ring = null;
            try {
                MemorySegment stat = scratch.allocate(LibC.STAT_SIZE, Long.BYTES);
                if (LibC.fstat(callState, fd, stat) != 0
                        || (stat.get(ValueLayout.JAVA_INT, LibC.STAT_MODE_OFFSET) & LibC.S_IFMT) != LibC.S_IFCHR) {
                    throw new UringException(
                            device + " is not a character device; the passthru transport needs"
                                    + " the NVMe generic device /dev/ngXnY",
                            Errno.ENOTTY);
                }
                DeviceGeometry geometry =
                        identify(device, fd, callState, scratch, maxTransferBytes(name.group(1), name.group(2)));
                ring = openRing(queueDepth);
                return new PassthruTransport(device, fd, ring, geometry, queueDepth);
            } catch (RuntimeException e) {
                if (ring != null) {
                    ring.close();
                }
                LibC.close(callState, fd);
                throw e;
            }
        }
    }

    private static DeviceGeometry identify(
            Path device, int fd, MemorySegment callState, Arena scratch, int maxTransferBytes) {
        int nsid = LibC.ioctl(callState, fd, NvmeUringCommand.NVME_IOCTL_ID, MemorySegment.NULL);
        if (nsid <= 0) {
            throw new UringException(
                    device + " did not report its namespace ID (NVME_IOCTL_ID): "
                            + LibC.strerror(LibC.errno(callState)),
                    LibC.errno(callState));
        }
        MemorySegment data = scratch.allocate(IDENTIFY_BYTES, IDENTIFY_BYTES);
        MemorySegment admin = scratch.allocate(NvmeUringCommand.SIZE, Long.BYTES);
        new NvmeUringCommand()
                .wrap(admin, 0)
                .opcode(ADMIN_IDENTIFY)
                .namespaceId(nsid)
                .address(data.address())
                .dataLength(IDENTIFY_BYTES)
                .cdw10(IDENTIFY_NAMESPACE);
        int status = LibC.ioctl(callState, fd, NvmeUringCommand.NVME_IOCTL_ADMIN_CMD, admin);
        if (status != 0) {
            String why = status < 0 ? LibC.strerror(LibC.errno(callState)) : NvmeStatus.describe(status);
            throw new UringException(
                    "Identify Namespace failed on " + device + ": " + why
                            + (status < 0 && LibC.errno(callState) == Errno.EACCES
                                    ? " (needs root / CAP_SYS_ADMIN)"
                                    : ""),
                    status < 0 ? LibC.errno(callState) : Errno.EIO);
        }
        long blocks = data.get(ValueLayout.JAVA_LONG_UNALIGNED, IDENTIFY_NSZE_OFFSET);
        int flbas = Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, IDENTIFY_FLBAS_OFFSET));
        int format = (flbas & FLBAS_LOW_MASK) | (((flbas >>> FLBAS_HIGH_SHIFT) & FLBAS_HIGH_MASK) << 4);
        int lbaf = data.get(ValueLayout.JAVA_INT_UNALIGNED, IDENTIFY_LBAF_OFFSET + (long) format * Integer.BYTES);
        int blockSize = 1 << ((lbaf >>> LBAF_LBADS_SHIFT) & LBAF_LBADS_MASK);
        if (blocks <= 0) {
            throw new UringException(device + " reports an empty namespace (NSZE 0)", Errno.ENXIO);
        }
        int transfer = Math.max(blockSize, maxTransferBytes / blockSize * blockSize);
        return new DeviceGeometry(blockSize, blocks, transfer, nsid);
    }

    /**
     * The kernel's per-request limit for the namespace, from its block device's sysfs queue: the
     * largest request in bytes, and the most memory segments one may use. Passthrough maps the
     * caller's pages as they are, one segment per page unless neighbours happen to be physically
     * contiguous, and a buffer that starts inside a page touches one page more than its length:
     * so at most {@code max_segments - 1} pages, or a 512 KiB read into a buffer at an offset
     * fails with EINVAL whenever its pages are scattered (seen in the guest: "invalid field").
     */
    private static int maxTransferBytes(String controller, String namespace) {
        Path queue = Path.of("/sys/block/nvme" + controller + "n" + namespace + "/queue");
        long bytes;
        try {
            bytes = Long.parseLong(
                            Files.readString(queue.resolve("max_hw_sectors_kb")).trim())
                    * KIB;
        } catch (IOException | NumberFormatException e) {
            return DEFAULT_MAX_TRANSFER_BYTES;
        }
        try {
            long segments = Long.parseLong(
                    Files.readString(queue.resolve("max_segments")).trim());
            if (segments > 1) {
                bytes = Math.min(bytes, (segments - 1) * PAGE_BYTES);
            }
        } catch (IOException | NumberFormatException e) {
            // No segment limit said: the byte limit alone.
        }
        return (int) Math.min(Integer.MAX_VALUE / 2, bytes);
    }

    private static final long PAGE_BYTES = 4096;

    @Override
    protected void translate() {
        int commandId = command.commandId();
        int opcode = command.opcode();
        int length;
        if (opcode == NvmeOpcode.READ || opcode == NvmeOpcode.WRITE) {
            long bytes = (long) command.numberOfBlocks() * geometry.blockSize();
            if (bytes > geometry.maxTransferBytes()) {
                completeLocally(commandId, NvmeStatus.INVALID_FIELD | NvmeStatus.DO_NOT_RETRY, Errno.EINVAL);
                return;
            }
            length = (int) bytes;
        } else if (opcode == NvmeOpcode.FLUSH) {
            length = 0;
        } else {
            completeLocally(commandId, NvmeStatus.INVALID_OPCODE | NvmeStatus.DO_NOT_RETRY, Errno.EOPNOTSUPP);
            return;
        }
        SubmissionEntry sqe = nextSubmission();
        if (sqe == null) {
            completeLocally(commandId, NvmeStatus.INTERNAL_ERROR, Errno.EAGAIN);
            return;
        }
        long address = length == 0 ? 0 : command.prp1();
        sqe.opcode(IoUringOpcode.URING_CMD)
                .fd(fd)
                .cmdOp(NvmeUringCommand.NVME_URING_CMD_IO)
                .userData(((long) opcode << USER_DATA_OPCODE_SHIFT) | commandId);
        // No fixed buffers here: on Debian's Linux 6.1 (the kernel-module guest) NVMe passthrough
        // fails with EINVAL for fixed-buffer transfers out of larger registered regions, while the
        // same commands on plain user memory work; the kernel then maps the pages per command.
        uringCommand.wrap(sqe.segment(), sqe.commandOffset()).fromNvme(command, address, length);
        submitted();
    }

    @Override
    protected void reap(CompletionEntry cqe) {
        long userData = cqe.userData();
        int result = cqe.result();
        int commandId = (int) (userData & COMMAND_ID_MASK);
        if (result < 0) {
            post(commandId, CompletionStatus.ofErrno((int) (userData >>> USER_DATA_OPCODE_SHIFT), -result), -result);
        } else {
            post(commandId, result, (int) cqe.extra(0));
        }
    }

    @Override
    protected void closeDevice() {
        LibC.close(callState, fd);
        arena.close();
    }

    /** The device path, for messages. */
    public Path path() {
        return path;
    }

    @Override
    public String name() {
        return "passthru";
    }
}
