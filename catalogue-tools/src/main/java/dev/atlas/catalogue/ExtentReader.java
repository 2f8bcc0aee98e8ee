package dev.atlas.catalogue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Reads a file's extent from its device in transfer-buffer chunks (get, verify, fsck --data). */
final class ExtentReader {

    private ExtentReader() {}

    static void read(DeviceSet set, CatalogueEntry entry, ChunkSink sink, Progress progress) {
        final MemorySegment buffer = set.transferBuffer(entry.device());
        final int blockSize = set.device(entry.device()).blockSize();
        long remaining = entry.length();
        long lba = entry.firstLba();
        try {
            while (remaining > 0) {
                final long chunk = Math.min(buffer.byteSize(), remaining);
                final long chunkBlocks = (chunk + blockSize - 1) / blockSize;
                set.device(entry.device()).read(lba, buffer.asSlice(0, chunkBlocks * blockSize));
                final ByteBuffer bytes = buffer.asSlice(0, chunk).asByteBuffer();
                sink.accept(bytes);
                progress.advance(chunk);
                remaining -= chunk;
                lba += chunkBlocks;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] digest(DeviceSet set, CatalogueEntry entry, Progress progress) {
        final MessageDigest sha = sha256();
        read(set, entry, sha::update, progress);
        return sha.digest();
    }

    static boolean verify(DeviceSet set, CatalogueEntry entry, Progress progress) {
        return MessageDigest.isEqual(digest(set, entry, progress), entry.sha256());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }
}
