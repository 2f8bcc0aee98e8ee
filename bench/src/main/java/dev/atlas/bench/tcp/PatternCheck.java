package dev.atlas.bench.tcp;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Streams a pattern body (byte {@code i} is {@code i mod 251}) and checks every byte without
 * storing the body, so a 1 GiB download costs one 64 KiB buffer. Reads to end of stream.
 */
public final class PatternCheck {
    private static final int MODULUS = 251;
    private static final int CHUNK = 64 * 1024;
    /** Expected bytes for any phase: a chunk read at phase p compares against EXPECTED[p, p + n). */
    private static final byte[] EXPECTED = new byte[CHUNK + MODULUS];

    static {
        for (int i = 0; i < EXPECTED.length; i++) {
            EXPECTED[i] = (byte) (i % MODULUS);
        }
    }

    /** What a stream held: how many bytes, and the position of the first wrong byte or -1. */
    public record Result(long bytes, long firstMismatch) {
        public boolean matches(long expectedBytes) {
            return firstMismatch < 0 && bytes == expectedBytes;
        }

        @Override
        public String toString() {
            return bytes + " bytes, "
                    + (firstMismatch < 0 ? "all match the pattern" : "first wrong byte at " + firstMismatch);
        }
    }

    private PatternCheck() {}

    /** Reads {@code in} to its end and checks it against the pattern. */
    public static Result check(InputStream in) throws IOException {
        final byte[] buffer = new byte[CHUNK];
        long position = 0;
        long firstMismatch = -1;
        int n;
        while ((n = in.read(buffer)) > 0) {
            if (firstMismatch < 0) {
                final int phase = (int) (position % MODULUS);
                final int at = Arrays.mismatch(buffer, 0, n, EXPECTED, phase, phase + n);
                if (at >= 0) {
                    firstMismatch = position + at;
                }
            }
            position += n;
        }
        return new Result(position, firstMismatch);
    }
}
