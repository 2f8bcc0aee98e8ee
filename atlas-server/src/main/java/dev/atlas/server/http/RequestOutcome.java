package dev.atlas.server.http;

/**
 * How an answered request ended: its response acknowledged in full, or cut short by the client
 * (a reset from its side) or by the server (a reset of ours: an idle or retransmission timeout,
 * a drive error, the server stopping). Each answered request ends exactly once.
 */
public enum RequestOutcome {
    COMPLETED("completed", "completed"),
    ABORTED_BY_CLIENT("client_aborted", "abortedByClient"),
    RESET_BY_SERVER("server_reset", "resetByServer");

    private final String label;
    private final String key;

    RequestOutcome(String label, String key) {
        this.label = label;
        this.key = key;
    }

    /** The value of the {@code outcome} label on /metrics. */
    public String label() {
        return label;
    }

    /** The name in the stats file and the stop-time dump ({@code http.outcome.<key>}). */
    public String key() {
        return key;
    }
}
