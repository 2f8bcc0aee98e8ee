package dev.atlas.diskmap;

/**
 * Completion of one read, write or flush request, called exactly once on the queue pair's
 * thread from {@code consumeCompletions} (or from {@code close}, with an abort status).
 *
 * <p>Implementations on the hot path should be long-lived objects (a connection, a lane), not
 * capturing lambdas: the token identifies the request without allocation.
 */
@FunctionalInterface
public interface NvmeCallback {
    /**
     * @param token  the value given when the request was submitted
     * @param status 0 on success, otherwise an NVMe status (see {@code NvmeStatus}); for a
     *               request split into several commands, the first error the device reported
     */
    void onComplete(long token, int status);
}
