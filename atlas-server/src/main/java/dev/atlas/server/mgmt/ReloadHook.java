package dev.atlas.server.mgmt;

/** Something POST /admin/reload re-reads: the catalogue generation, the TLS certificates. */
@FunctionalInterface
public interface ReloadHook {
    /**
     * Reloads and returns a one-line summary for the operator (e.g. "generation 7, 1843 files").
     * Throws with an operator sentence as the message when the reload fails; the old state stays.
     */
    String reload() throws Exception;
}
