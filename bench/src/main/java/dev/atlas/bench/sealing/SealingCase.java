package dev.atlas.bench.sealing;

/** The measured cases: the name JMH's {@code path} parameter gives them, and what each does. */
enum SealingCase {
    JCE_ON_BYTE_ARRAY("jce-byte[]", "SunJCE `Cipher` alone, in place on a hot `byte[]` (baseline)"),
    SUNJCE_STAGING("sunjce-staging", "`SunJceSealer`: chunk → heap staging array, sealed in place, → frame"),
    OPENSSL_STAGING("openssl-staging", "`OpenSslSealer`: chunk → off-heap staging, sealed in place, → frame"),
    OPENSSL_IN_FRAME("openssl-in-frame", "`OpenSslSealer`: chunk → frame, sealed in place in the frame"),
    OPENSSL_FROM_CHUNK("openssl-from-chunk", "`OpenSslSealer`: sealed from the chunk into the frame (out of place)");

    static final String BASELINE = "jce-byte[]";

    final String label;
    final String description;

    SealingCase(String label, String description) {
        this.label = label;
        this.description = description;
    }

    static SealingCase of(String label) {
        for (SealingCase c : values()) {
            if (c.label.equals(label)) {
                return c;
            }
        }
        throw new IllegalArgumentException("no sealing case named " + label);
    }
}
