package dev.atlas.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class PatternSourceTest {
    private final PatternSource source = new PatternSource();

    @Property(tries = 300)
    void anySliceRegeneratesTheSameBytes(
            @ForAll @LongRange(min = 0, max = 1L << 40) long sourceOffset,
            @ForAll @IntRange(min = 0, max = 200_000) int length,
            @ForAll @IntRange(min = 0, max = 64) int dstOffset) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment dst = arena.allocate(dstOffset + length + 1);
            dst.set(ValueLayout.JAVA_BYTE, dstOffset + length, (byte) 0x5A);
            source.fill(null, 0, 0, sourceOffset, dst, dstOffset, length);
            for (int i = 0; i < length; i++) {
                final long position = sourceOffset + i;
                assertEquals(
                        (byte) (position % 251), dst.get(ValueLayout.JAVA_BYTE, dstOffset + i), "byte " + position);
            }
            assertEquals((byte) 0x5A, dst.get(ValueLayout.JAVA_BYTE, dstOffset + length), "wrote past the slice");
        }
    }

    @Test
    void bodyStartsAtZeroAndWrapsAt251() {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment dst = arena.allocate(600);
            source.fill(null, 0, 7, 0, dst, 0, 600);
            assertEquals(0, dst.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals((byte) 250, dst.get(ValueLayout.JAVA_BYTE, 250));
            assertEquals(0, dst.get(ValueLayout.JAVA_BYTE, 251));
            assertEquals((byte) 97, dst.get(ValueLayout.JAVA_BYTE, 599));
        }
    }
}
