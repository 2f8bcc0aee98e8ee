package dev.atlas.catalogue;

import dev.atlas.catalogue.error.CatalogueException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The SHA-256 digests of imported files, computed on one helper thread from chunks in the order
 * they are handed over, so that hashing a chunk overlaps reading the next one from the source:
 * reading and then hashing each chunk on one thread left the disk idle for a third of the
 * import. A chunk's bytes must stay unchanged until {@link #await} of its receipt has returned.
 */
final class ChunkHasher implements AutoCloseable {

    private final ExecutorService thread;
    private MessageDigest sha;
    private Future<?> last;

    ChunkHasher() {
        this(Executors.newSingleThreadExecutor(
                Thread.ofPlatform().daemon(true).name("atlas-import-sha256").factory()));
    }

    /** Hashes on {@code thread}, which must run its tasks one at a time in order (tests slow it down). */
    ChunkHasher(ExecutorService thread) {
        this.thread = thread;
    }

    /** Starts the digest of the next file. */
    void begin() {
        sha = ExtentReader.sha256();
    }

    /** Queues {@code chunk} (its remaining bytes) for the current file's digest; returns its receipt. */
    Future<?> update(ByteBuffer chunk) {
        final MessageDigest digest = sha;
        last = thread.submit(() -> digest.update(chunk));
        return last;
    }

    /** Ends the current file: its digest, ready once every chunk since {@link #begin} is hashed. */
    Future<byte[]> finish() {
        final MessageDigest digest = sha;
        final Future<byte[]> result = thread.submit(() -> digest.digest());
        last = result;
        return result;
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
        if (receipt != null) {
            result(receipt);
        }
    }

    /** Waits for a queued task and returns what it computed (a digest from {@link #finish}). */
    static <T> T result(Future<T> receipt) {
        try {
            return receipt.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CatalogueException("interrupted while importing; nothing was committed");
        } catch (ExecutionException e) {
            throw new IllegalStateException("hashing failed", e.getCause());
        }
    }

    @Override
    public void close() {
        drain();
        thread.shutdown();
    }
}
