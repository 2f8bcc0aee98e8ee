package dev.atlas.server.mgmt;

/**
 * The Prometheus names of DESIGN §11, in one place so every {@link CounterSource} uses the same
 * spelling. Counters end in {@code _total}; units are spelled out. Labels: every lane meter has
 * {@code lane}; the label named next to a constant splits it further.
 */
public final class MetricNames {
    /** Bytes received on the data-plane rings. */
    public static final String RX_BYTES = "atlas_rx_bytes_total";
    /** Bytes handed to the data-plane TX rings (TCP payload and headers). */
    public static final String TX_BYTES = "atlas_tx_bytes_total";
    /** Open TCP connections (gauge). */
    public static final String CONNECTIONS = "atlas_connections";
    /** Connections accepted. */
    public static final String CONNECTIONS_ACCEPTED = "atlas_connections_accepted_total";
    /**
     * HTTP requests answered, counted once when they end, labels {@code status} ("200", "206",
     * "404", …) and {@code outcome} ("completed", "client_aborted", "server_reset").
     */
    public static final String HTTP_REQUESTS = "atlas_http_requests_total";
    /** Frames the kernel dropped because a lane's RX ring was full ({@code PACKET_STATISTICS}). */
    public static final String RX_RING_DROPS = "atlas_rx_ring_dropped_frames_total";
    /** Segments retransmitted (regenerated from disk). */
    public static final String TCP_RETRANSMITS = "atlas_tcp_retransmits_total";
    /** Retransmission timeouts that fired. */
    public static final String TCP_RTOS = "atlas_tcp_rto_total";
    /** Disk reads submitted. */
    public static final String DISK_READS = "atlas_disk_reads_total";
    /** Bytes read from the drives. */
    public static final String DISK_READ_BYTES = "atlas_disk_read_bytes_total";
    /** Disk reads that completed with an error status. */
    public static final String DISK_ERRORS = "atlas_disk_errors_total";
    /** Buffers not on the free list (gauge). */
    public static final String BUFFERS_IN_USE = "atlas_buffers_in_use";
    /** Buffers in use × buffer size: compare with {@link #LLC_SIZE} (gauge). */
    public static final String PIPELINE_WORKING_SET = "atlas_pipeline_working_set_bytes";
    /** Software copies on the data path, label {@code reason}. */
    public static final String COPY_BYTES = "atlas_copy_bytes_total";
    /** Bytes sealed (encrypted) by TLS. */
    public static final String SEAL_BYTES = "atlas_seal_bytes_total";
    /** TLS handshakes, label {@code result} ("ok", "failed"). */
    public static final String TLS_HANDSHAKES = "atlas_tls_handshakes_total";
    /** The served catalogue's generation (gauge). */
    public static final String CATALOGUE_GENERATION = "atlas_catalogue_generation";
    /** Files in the served catalogue (gauge). */
    public static final String CATALOGUE_ENTRIES = "atlas_catalogue_entries";
    /** Damage found in the served catalogue's superblocks or generations (gauge; 0 when healthy). */
    public static final String CATALOGUE_DAMAGE = "atlas_catalogue_damage";
    /** Bytes of content in the served catalogue (gauge). */
    public static final String CATALOGUE_BYTES = "atlas_catalogue_bytes";
    /** Last-level cache size of CPU 0, read once at start (gauge). */
    public static final String LLC_SIZE = "atlas_llc_size_bytes";

    private MetricNames() {}
}
