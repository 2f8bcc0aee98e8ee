package dev.atlas.diskmap.kernel;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * The ioctl numbers and argument layouts of {@code diskmap.ko}, as {@code kernel-module/diskmap_uapi.h}
 * declares them (x86-64, little-endian, no padding). Offsets are named here once; the layouts
 * below let a test check every offset against the struct's shape.
 */
public final class DiskmapAbi {
    /** {@code DISKMAP_ABI_VERSION}: the module and this class agree on these layouts. */
    public static final int VERSION = 1;

    public static final long IOC_INFO = 0x80284400L;
    public static final long IOC_ATTACH = 0xC0204401L;
    public static final long IOC_REGISTER = 0xC0184402L;
    public static final long IOC_DOORBELL = 0xC0104403L;
    public static final long IOC_DETACH = 0x4404L;

    /** {@code struct diskmap_info}. */
    public static final StructLayout INFO = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("block_size"),
            ValueLayout.JAVA_INT.withName("namespace_id"),
            ValueLayout.JAVA_LONG.withName("block_count"),
            ValueLayout.JAVA_INT.withName("max_transfer"),
            ValueLayout.JAVA_INT.withName("max_queue_depth"),
            ValueLayout.JAVA_INT.withName("queue_pairs"),
            ValueLayout.JAVA_INT.withName("version"),
            ValueLayout.JAVA_LONG.withName("reserved"));

    public static final long INFO_BLOCK_SIZE = 0;
    public static final long INFO_NAMESPACE_ID = 4;
    public static final long INFO_BLOCK_COUNT = 8;
    public static final long INFO_MAX_TRANSFER = 16;
    public static final long INFO_MAX_QUEUE_DEPTH = 20;
    public static final long INFO_QUEUE_PAIRS = 24;
    public static final long INFO_VERSION = 28;

    /** {@code struct diskmap_attach}. */
    public static final StructLayout ATTACH = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("queue_id"),
            ValueLayout.JAVA_INT.withName("depth"),
            ValueLayout.JAVA_LONG.withName("sq_offset"),
            ValueLayout.JAVA_LONG.withName("cq_offset"),
            ValueLayout.JAVA_INT.withName("sq_bytes"),
            ValueLayout.JAVA_INT.withName("cq_bytes"));

    public static final long ATTACH_QUEUE_ID = 0;
    public static final long ATTACH_DEPTH = 4;
    public static final long ATTACH_SQ_OFFSET = 8;
    public static final long ATTACH_CQ_OFFSET = 16;
    public static final long ATTACH_SQ_BYTES = 24;
    public static final long ATTACH_CQ_BYTES = 28;

    /** {@code struct diskmap_region}. */
    public static final StructLayout REGION = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("address"),
            ValueLayout.JAVA_LONG.withName("length"),
            ValueLayout.JAVA_LONG.withName("bus_table"));

    public static final long REGION_ADDRESS = 0;
    public static final long REGION_LENGTH = 8;
    public static final long REGION_BUS_TABLE = 16;

    /** {@code struct diskmap_doorbell}. */
    public static final StructLayout DOORBELL = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("sq_tail"),
            ValueLayout.JAVA_INT.withName("cq_head"),
            ValueLayout.JAVA_INT.withName("rejected_slot"),
            ValueLayout.JAVA_INT.withName("reason"));

    public static final long DOORBELL_SQ_TAIL = 0;
    public static final long DOORBELL_CQ_HEAD = 4;
    public static final long DOORBELL_REJECTED_SLOT = 8;
    public static final long DOORBELL_REASON = 12;

    /** Memory page of the module's registrations (and of NVMe PRPs). */
    public static final int PAGE_SIZE = 4096;

    private DiskmapAbi() {}
}
