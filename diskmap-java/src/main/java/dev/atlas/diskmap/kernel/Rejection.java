package dev.atlas.diskmap.kernel;

/** Why the doorbell ioctl refused a submission entry ({@code enum diskmap_reject}). */
public enum Rejection {
    NONE("accepted"),
    OPCODE("opcode is not READ, WRITE or FLUSH"),
    NAMESPACE("wrong namespace"),
    LENGTH("transfer longer than the controller's limit"),
    PRP("PRP entry outside the registered buffers"),
    PRP_LIST("PRP list outside the registered buffers, or chained"),
    FORMAT("fused, SGL or metadata fields set"),
    DOORBELL("doorbell value outside the queue");

    private static final Rejection[] BY_CODE = values();

    private final String sentence;

    Rejection(String sentence) {
        this.sentence = sentence;
    }

    /** The module's reason code, 0 for none. */
    public int code() {
        return ordinal();
    }

    public String sentence() {
        return sentence;
    }

    /** The rejection a reason code names; an unknown code is reported as it is. */
    public static Rejection ofCode(int code) {
        if (code < 0 || code >= BY_CODE.length) {
            throw new IllegalArgumentException("diskmap.ko reported unknown rejection reason " + code
                    + "; the module and diskmap-java disagree on the ABI");
        }
        return BY_CODE[code];
    }
}
