package dev.atlas.server.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** SendStream against a reference byte array: any range fills with exactly the bytes appended there. */
class SendStreamProperties {
    private static final int RETAINED = 200;
    private static final int SEGMENTS = 6;

    @Provide
    Arbitrary<List<int[]>> operations() {
        // {kind, n, x}: 0 retained n bytes, 1 source n bytes (token x), 2 trim by n, 3 fill check at x % len, length n
        return Arbitraries.integers()
                .between(0, 3)
                .flatMap(kind -> Arbitraries.integers()
                        .between(0, 150)
                        .flatMap(n -> Arbitraries.integers().between(0, 1000).map(x -> new int[] {kind, n, x})))
                .list()
                .ofMaxSize(60);
    }

    @Property(tries = 300)
    void fillsMatchTheReference(@ForAll("operations") List<int[]> ops) {
        try (Arena arena = Arena.ofConfined()) {
            SendStream stream = new SendStream(SEGMENTS, arena.allocate(RETAINED));
            PatternSource source = new PatternSource();
            MemorySegment scratch = arena.allocate(1024);
            ByteArrayOutputStream reference = new ByteArrayOutputStream();
            long acked = 0;
            byte counter = 1;
            for (int[] op : ops) {
                int n = op[1];
                switch (op[0]) {
                    case 0 -> {
                        for (int i = 0; i < n; i++) {
                            scratch.set(ValueLayout.JAVA_BYTE, i, counter++);
                        }
                        boolean fits = n <= stream.retainedFree();
                        boolean ok = stream.appendRetained(scratch, 0, n);
                        if (ok) {
                            reference.write(scratch.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), 0, n);
                        } else {
                            assertEquals(true, !fits || stream.segmentsFree() == 0, "refused only when full");
                        }
                    }
                    case 1 -> {
                        long token = op[2];
                        long offset = op[2] % 7;
                        if (stream.appendSource(source, token, offset, n)) {
                            for (int i = 0; i < n; i++) {
                                reference.write(PatternSource.byteAt(token, offset + i));
                            }
                        } else {
                            assertEquals(0, stream.segmentsFree(), "refused only when full");
                        }
                    }
                    case 2 -> {
                        acked = Math.min(stream.end(), acked + n);
                        stream.trim(acked);
                    }
                    default -> {
                        long length = stream.end() - acked;
                        if (length > 0) {
                            long from = acked + op[2] % length;
                            int count = (int) Math.min(n, stream.end() - from);
                            stream.fill(from, scratch, 3, count);
                            byte[] expected = new byte[count];
                            System.arraycopy(reference.toByteArray(), (int) from, expected, 0, count);
                            assertArrayEquals(
                                    expected,
                                    scratch.asSlice(3, count).toArray(ValueLayout.JAVA_BYTE),
                                    "fill [" + from + ", " + (from + count) + ")");
                        }
                    }
                }
                assertEquals(reference.size(), stream.end());
            }
        }
    }
}
