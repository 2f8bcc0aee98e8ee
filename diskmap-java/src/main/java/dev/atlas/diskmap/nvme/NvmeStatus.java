package dev.atlas.diskmap.nvme;

/**
 * NVMe completion status as the driver reports it: the CQE status field shifted right by one,
 * so the phase tag is gone and 0 means success.
 *
 * <pre>
 *   bits 7:0 status code (SC) | 10:8 status code type (SCT) | 12:11 CRD | 13 more | 14 DNR
 * </pre>
 * Constants name the codes the driver and the emulated controller use (NVMe 1.4 figures
 * 126-130); {@link #describe(int)} turns any status into a sentence for operators.
 */
public final class NvmeStatus {
    public static final int CODE_MASK = 0xFF;
    public static final int TYPE_SHIFT = 8;
    public static final int TYPE_MASK = 0x7;
    /** Do Not Retry: the same command would fail again. */
    public static final int DO_NOT_RETRY = 1 << 14;
    /** More: more status information is in the error log page. */
    public static final int MORE = 1 << 13;

    /** Status code types. */
    public static final int TYPE_GENERIC = 0x0;

    public static final int TYPE_COMMAND_SPECIFIC = 0x1;
    public static final int TYPE_MEDIA = 0x2;
    public static final int TYPE_PATH = 0x3;
    public static final int TYPE_VENDOR = 0x7;

    public static final int SUCCESS = 0;

    // Generic command status (SCT 0).
    public static final int INVALID_OPCODE = generic(0x01);
    public static final int INVALID_FIELD = generic(0x02);
    public static final int COMMAND_ID_CONFLICT = generic(0x03);
    public static final int DATA_TRANSFER_ERROR = generic(0x04);
    public static final int ABORTED_POWER_LOSS = generic(0x05);
    public static final int INTERNAL_ERROR = generic(0x06);
    public static final int ABORT_REQUESTED = generic(0x07);
    public static final int ABORTED_SQ_DELETION = generic(0x08);
    public static final int INVALID_NAMESPACE = generic(0x0B);
    public static final int COMMAND_SEQUENCE_ERROR = generic(0x0C);
    public static final int PRP_OFFSET_INVALID = generic(0x13);
    public static final int LBA_OUT_OF_RANGE = generic(0x80);
    public static final int CAPACITY_EXCEEDED = generic(0x81);
    public static final int NAMESPACE_NOT_READY = generic(0x82);

    // Media and data integrity errors (SCT 2).
    public static final int WRITE_FAULT = media(0x80);
    public static final int UNRECOVERED_READ_ERROR = media(0x81);
    public static final int GUARD_CHECK_ERROR = media(0x82);
    public static final int APPLICATION_TAG_CHECK_ERROR = media(0x83);
    public static final int REFERENCE_TAG_CHECK_ERROR = media(0x84);
    public static final int COMPARE_FAILURE = media(0x85);
    public static final int ACCESS_DENIED = media(0x86);
    public static final int DEALLOCATED_OR_UNWRITTEN = media(0x87);

    private NvmeStatus() {}

    /** A status of the given type and code, without CRD/more/DNR bits. */
    public static int of(int type, int code) {
        return ((type & TYPE_MASK) << TYPE_SHIFT) | (code & CODE_MASK);
    }

    public static int generic(int code) {
        return of(TYPE_GENERIC, code);
    }

    public static int media(int code) {
        return of(TYPE_MEDIA, code);
    }

    public static int code(int status) {
        return status & CODE_MASK;
    }

    public static int type(int status) {
        return (status >>> TYPE_SHIFT) & TYPE_MASK;
    }

    /** True when type and code are both zero (the CRD, more and DNR bits do not matter). */
    public static boolean isSuccess(int status) {
        return (status & ((TYPE_MASK << TYPE_SHIFT) | CODE_MASK)) == 0;
    }

    public static boolean doNotRetry(int status) {
        return (status & DO_NOT_RETRY) != 0;
    }

    /** The status with only type and code kept, for comparing against the constants. */
    public static int withoutFlags(int status) {
        return status & ((TYPE_MASK << TYPE_SHIFT) | CODE_MASK);
    }

    /** A sentence for operators, e.g. "LBA out of range (generic status 0x80)". */
    public static String describe(int status) {
        final int type = type(status);
        final int code = code(status);
        final String text = switch (type) {
            case TYPE_GENERIC -> genericText(code);
            case TYPE_COMMAND_SPECIFIC -> "command specific error";
            case TYPE_MEDIA -> mediaText(code);
            case TYPE_PATH -> "path error between host and controller";
            case TYPE_VENDOR -> "vendor specific error";
            default -> "reserved status code type";
        };
        final String typeName = switch (type) {
            case TYPE_GENERIC -> "generic";
            case TYPE_COMMAND_SPECIFIC -> "command specific";
            case TYPE_MEDIA -> "media";
            case TYPE_PATH -> "path";
            case TYPE_VENDOR -> "vendor";
            default -> "type " + type;
        };
        final String retry = doNotRetry(status) ? ", do not retry" : "";
        return String.format("%s (%s status 0x%02x%s)", text, typeName, code, retry);
    }

    private static String genericText(int code) {
        return switch (code) {
            case 0x00 -> "success";
            case 0x01 -> "invalid command opcode";
            case 0x02 -> "invalid field in command";
            case 0x03 -> "command identifier conflict";
            case 0x04 -> "data transfer error";
            case 0x05 -> "command aborted by power loss";
            case 0x06 -> "internal controller error";
            case 0x07 -> "command aborted on request";
            case 0x08 -> "command aborted: submission queue deleted (queue closed)";
            case 0x09 -> "command aborted: fused command failed";
            case 0x0A -> "command aborted: fused command missing";
            case 0x0B -> "invalid namespace or format";
            case 0x0C -> "command sequence error";
            case 0x13 -> "PRP offset invalid (data pointer not aligned)";
            case 0x15 -> "operation denied";
            case 0x80 -> "LBA out of range";
            case 0x81 -> "capacity exceeded";
            case 0x82 -> "namespace not ready";
            case 0x83 -> "reservation conflict";
            case 0x84 -> "format in progress";
            default -> "generic error";
        };
    }

    private static String mediaText(int code) {
        return switch (code) {
            case 0x80 -> "write fault";
            case 0x81 -> "unrecovered read error";
            case 0x82 -> "end-to-end guard check error";
            case 0x83 -> "end-to-end application tag check error";
            case 0x84 -> "end-to-end reference tag check error";
            case 0x85 -> "compare failure";
            case 0x86 -> "access denied";
            case 0x87 -> "deallocated or unwritten logical block";
            default -> "media error";
        };
    }
}
