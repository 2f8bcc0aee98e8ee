package dev.atlas.diskmap.nvme;

/** NVM command set I/O opcodes the driver issues (NVMe 1.4, figure 346). */
public final class NvmeOpcode {
    public static final int FLUSH = 0x00;
    public static final int WRITE = 0x01;
    public static final int READ = 0x02;

    private NvmeOpcode() {}

    /** Operator name of an opcode, for logs and error messages. */
    public static String name(int opcode) {
        return switch (opcode) {
            case FLUSH -> "flush";
            case WRITE -> "write";
            case READ -> "read";
            default -> String.format("opcode 0x%02x", opcode);
        };
    }
}
