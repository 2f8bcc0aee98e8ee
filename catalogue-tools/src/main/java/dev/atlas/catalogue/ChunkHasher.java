package dev.atlas.catalogue;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The SHA-256 of an imported file, computed on one helper thread from chunks in the order they
 * are handed over, so that hashing a chunk overlaps reading the next one from the source: on a
 * disk shared by the source and the catalogue, reading then hashing one after the other left
 * the disk idle for a third of the import. A chunk's bytes must stay unchanged until
 * {@link #await} of its receipt has returned.
 */
final class ChunkHasher implements AutoCloseable {

    private final ExecutorService thread;
    private MessageDigest sha;
    private Future<?> last;

    ChunkHasher() {
        this(Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon(true).name("atlas-import-sha256").factory()));
    }

    /** Hashes on {@code thread}, which must run its tasks one at a time in order (tests slow it down). */
    ChunkHasher(ExecutorService thread) {
        this.thread = thread;
    }

    /** Starts the digest of the next file. */
    void begin() {
        sha = ExtentReader.sha256();
        last = null;
    }

    /** Queues {@code chunk} (its remaining bytes) for the digest; returns its receipt. */
    Future<?> update(ByteBuffer chunk) {
        final MessageDigest digest = sha;
        last = thread.submit(() -> digest.update(chunk));
        return last;
    }

    /** The digest of every chunk since {@link #begin}, once they are all hashed. */
    byte[] digest() {
        await(last);
        return sha.digest();
    }

    /** Waits until every queued chunk is hashed (the buffers may be reused then), ignoring failures. */
    void drain() {
        try {
            await(last);
        } catch (RuntimeException ignored) {
            // the caller is already failing; only the buffers' release matters here
        }
    }

    /** Waits until the chunk of {@code receipt} is hashed; null is a chunk never queued. */
    static void await(Future<?> receipt) {
        if (receipt == null) {
            return;
        }
        try {
            receipt.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CatalogueException("interrupted while importing; nothing was committed");
        } catch (ExecutionException e) {
            throw new IllegalStateException("hashing a chunk failed", e.getCause());
        }
    }

    @Override
    public void close() {
        drain();
        thread.shutdown();
    }
}
