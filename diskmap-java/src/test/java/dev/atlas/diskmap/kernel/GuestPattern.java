package dev.atlas.diskmap.kernel;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The bytes the host writes onto the guest's NVMe image before boot: each 8-byte word is a
 * hash of its byte offset, so any read anywhere can be checked without a copy of the image.
 */
final class GuestPattern {
    private GuestPattern() {}

    static long word(long byteOffset) {
        long z = byteOffset + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Writes the pattern over the whole of {@code image}, {@code bytes} long. */
    static void writeImage(Path image, long bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(
                image, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (long at = 0; at < bytes; at += chunk.capacity()) {
                chunk.clear();
                for (int i = 0; i < chunk.capacity(); i += Long.BYTES) {
                    chunk.putLong(word(at + i));
                }
                chunk.flip();
                while (chunk.hasRemaining()) {
                    channel.write(chunk, at + chunk.position());
                }
            }
        }
    }

    /** The first byte offset within {@code length} bytes at {@code address} that differs from the pattern, or -1. */
    static long firstMismatch(MemorySegment memory, long byteOffset, long length) {
        for (long i = 0; i < length; i += Long.BYTES) {
            if (memory.get(ValueLayout.JAVA_LONG_UNALIGNED, i) != word(byteOffset + i)) {
                return byteOffset + i;
            }
        }
        return -1;
    }
}
