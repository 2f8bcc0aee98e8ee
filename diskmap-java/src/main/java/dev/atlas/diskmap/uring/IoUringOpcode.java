package dev.atlas.diskmap.uring;

/** The io_uring operations this package submits (enum io_uring_op) and their flag words. */
public final class IoUringOpcode {
    public static final byte NOP = 0;
    public static final byte FSYNC = 3;
    public static final byte READ_FIXED = 4;
    public static final byte WRITE_FIXED = 5;
    public static final byte READ = 22;
    public static final byte WRITE = 23;
    public static final byte URING_CMD = 46;

    /** fsync_flags: sync data only, like fdatasync. */
    public static final int FSYNC_DATASYNC = 1;

    /** io_uring_enter flags. */
    public static final int ENTER_GETEVENTS = 1;

    /** io_uring_register opcodes. */
    public static final int REGISTER_BUFFERS = 0;

    public static final int UNREGISTER_BUFFERS = 1;

    /** Bits of the SQ ring's flags word. */
    public static final int SQ_CQ_OVERFLOW = 1 << 1;

    public static final int SQ_TASKRUN = 1 << 2;

    /** mmap offsets that select the SQ ring, the CQ ring and the SQE array. */
    public static final long OFF_SQ_RING = 0L;

    public static final long OFF_CQ_RING = 0x8000000L;
    public static final long OFF_SQES = 0x10000000L;

    private IoUringOpcode() {}
}
