package dev.atlas.server.tcp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Test payload: byte i of extent {@code token} is (token + i) mod 251, so any range can be checked. */
final class PatternSource implements PayloadSource {
    static final int MODULUS = 251;

    static byte byteAt(long token, long index) {
        return (byte) ((token + index) % MODULUS);
    }

    @Override
    public void fill(
            TcpConnection connection,
            long streamOffset,
            long token,
            long sourceOffset,
            MemorySegment dst,
            long dstOffset,
            int length) {
        int value = (int) ((token + sourceOffset) % MODULUS);
        for (int i = 0; i < length; i++) {
            dst.set(ValueLayout.JAVA_BYTE, dstOffset + i, (byte) value);
            if (++value == MODULUS) {
                value = 0;
            }
        }
    }
}
