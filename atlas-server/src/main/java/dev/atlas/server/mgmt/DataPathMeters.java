package dev.atlas.server.mgmt;

import dev.atlas.diskmap.buffer.DmaBufferPool;
import dev.atlas.server.http.HttpCounters;
import dev.atlas.server.http.HttpStatus;
import dev.atlas.server.http.RequestOutcome;
import dev.atlas.server.proto.FrameCounters;
import dev.atlas.server.storage.ExtentSource;
import dev.atlas.server.storage.StorageCounters;
import dev.atlas.server.tcp.TcpCounters;
import java.util.function.LongSupplier;

/**
 * The data path's meters for one lane (DESIGN.md §11): TCP, HTTP, the drives and the chunk
 * buffers, read from the lane's plain counters on each scrape (see {@link CounterSource} on
 * why racy reads are fine). Names come from {@link MetricNames} where DESIGN names them.
 */
public final class DataPathMeters {
    private static final double NANOS_PER_SECOND = 1e9;

    private DataPathMeters() {}

    /** TCP engine and frame input of a lane. */
    public static CounterSource tcp(TcpCounters tcp, FrameCounters frames) {
        return meters -> meters.gauge(MetricNames.CONNECTIONS, "Open TCP connections.", () -> tcp.connectionsOpen)
                .counter(MetricNames.CONNECTIONS_ACCEPTED, "TCP connections accepted.", () -> tcp.connectionsTotal)
                .counter(
                        "atlas_tcp_segments_sent_total",
                        "TCP segments sent (a TSO frame counts each segment it is cut into).",
                        () -> tcp.segmentsOut)
                .counter(
                        "atlas_tcp_frames_sent_total",
                        "Frames handed to the TX ring (a TSO super-frame counts once).",
                        () -> tcp.framesOut)
                .counter(
                        "atlas_tcp_payload_sent_bytes_total",
                        "TCP payload bytes sent, retransmissions included.",
                        () -> tcp.payloadBytesOut)
                .counter("atlas_tcp_received_bytes_total", "TCP payload bytes received in order.", () -> tcp.bytesIn)
                .counter(
                        MetricNames.TCP_RETRANSMITS,
                        "Frames retransmitted (regenerated), by what detected the loss.",
                        "cause",
                        "fast_recovery",
                        () -> tcp.fastRetransmits)
                .counter(
                        MetricNames.TCP_RETRANSMITS,
                        "Frames retransmitted (regenerated), by what detected the loss.",
                        "cause",
                        "timeout",
                        () -> tcp.rtoRetransmits)
                .counter(
                        "atlas_tcp_retransmitted_bytes_total",
                        "Payload bytes retransmitted.",
                        () -> tcp.retransmitBytes)
                .counter(MetricNames.TCP_RTOS, "Retransmission timeouts that fired.", () -> tcp.rtoEvents)
                .counter("atlas_tcp_fast_recoveries_total", "Entries into fast recovery.", () -> tcp.fastRecoveries)
                .counter("atlas_tcp_resets_sent_total", "RST segments sent.", () -> tcp.resetsSent)
                .counter(
                        "atlas_tcp_resets_received_total",
                        "RST segments that closed a connection.",
                        () -> tcp.resetsReceived)
                .counter(
                        "atlas_tcp_syn_cookies_sent_total",
                        "SYN-ACKs carrying a SYN cookie (the SYN queue was full).",
                        () -> tcp.synCookiesSent)
                .counter(
                        "atlas_tcp_idle_timeouts_total",
                        "Connections reset after hearing nothing from the peer.",
                        () -> tcp.idleTimeouts)
                .counter("atlas_tcp_persist_probes_total", "Zero-window probes sent.", () -> tcp.persistProbes)
                .counter(
                        "atlas_tcp_data_waits_total",
                        "Sends that waited for a drive read (bytes not in memory yet).",
                        () -> tcp.dataWaits)
                .counter(
                        "atlas_tcp_fetches_deferred_total",
                        "Times the window was open by less than the fetch watermark with ACKs still due: no read yet.",
                        () -> tcp.fetchesDeferred)
                .gauge(
                        "atlas_tcp_service_fairness",
                        "Jain's index of the bytes delivered in the last second to the connections with bytes waiting"
                                + " throughout it (1 = all served alike).",
                        () -> tcp.fairnessIndexMillionths,
                        1e-6)
                .gauge(
                        "atlas_tcp_service_fairness_connections",
                        "Connections the last fairness second compared.",
                        () -> tcp.fairnessConnections)
                .gauge(
                        "atlas_tcp_slowest_busy_connection_bytes_per_second",
                        "Bytes per second delivered to the slowest connection with bytes waiting, over the last second.",
                        () -> tcp.slowestBusyBytesPerSecond)
                .counter(
                        "atlas_tcp_short_segments_total",
                        "Segments sent shorter than the MSS so their chunk buffer could go to the next connection in line.",
                        () -> tcp.shortSegments)
                .counter(
                        "atlas_tcp_connection_table_full_total",
                        "SYNs that found every connection slot taken.",
                        () -> tcp.connectionTableFull)
                .counter(
                        "atlas_frames_dropped_total",
                        "Received frames dropped as malformed or not for us.",
                        frames::dropped);
    }

    /** HTTP requests of a lane, by status and by how they ended. */
    public static CounterSource http(HttpCounters http) {
        return meters -> {
            for (RequestOutcome outcome : RequestOutcome.values()) {
                for (HttpStatus status : HttpStatus.values()) {
                    meters.counter(
                            MetricNames.HTTP_REQUESTS,
                            "HTTP requests answered, counted when they end: by status, and by outcome (the response acknowledged "
                                    + "in full, or cut short by the client's reset or by the server's).",
                            "status",
                            Integer.toString(status.code()),
                            "outcome",
                            outcome.label(),
                            () -> http.ended(outcome, status));
                }
            }
            meters.counter("atlas_http_malformed_requests_total", "Requests the parser refused.", () -> http.malformed)
                    .counter(
                            "atlas_http_refused_connections_total",
                            "Connections reset for finding no request slot or an answer that could not be queued.",
                            () -> http.refused)
                    .counter(
                            "atlas_http_pipeline_waits_total",
                            "Requests that waited for room to queue their answer (a client pipelining deeper than the queue).",
                            () -> http.pipelineWaits)
                    .counter(
                            "atlas_http_input_declined_bytes_total",
                            "Request bytes not taken (the client sends them again): its held-input budget or the lane's pool was full.",
                            () -> http.inputDeclinedBytes)
                    .counter(
                            "atlas_http_response_bytes_total",
                            "Response bytes (heads and bodies) acknowledged by clients.",
                            () -> http.responseBytes)
                    .counter(
                            "atlas_http_incomplete_responses_total",
                            "Responses whose connection died before they completed.",
                            () -> http.incomplete);
        };
    }

    /** Drive reads and chunk buffers of a lane. */
    public static CounterSource storage(StorageCounters disk, DmaBufferPool buffers, LongSupplier readsInFlight) {
        return meters -> meters.counter(
                        MetricNames.DISK_READS,
                        "Drive reads submitted (one per chunk, up to four records).",
                        () -> disk.reads)
                .counter(
                        MetricNames.DISK_READ_BYTES,
                        "Bytes the drive reads asked for (whole blocks).",
                        () -> disk.readBytes)
                .counter(
                        MetricNames.DISK_ERRORS,
                        "Drive reads that failed; each reset its connection.",
                        () -> disk.readErrors)
                .counter(
                        "atlas_disk_reads_discarded_total",
                        "Reads that completed after their connection had gone.",
                        () -> disk.readsDiscarded)
                .counter(
                        "atlas_disk_reads_by_cause_total",
                        "Drive reads, by what the bytes were for.",
                        "cause",
                        "new_data",
                        () -> disk.newDataReads)
                .counter(
                        "atlas_disk_reads_by_cause_total",
                        "Drive reads, by what the bytes were for.",
                        "cause",
                        "retransmission",
                        () -> disk.retransmitReads)
                .counter(
                        "atlas_disk_new_data_reads_total",
                        "Reads of new bytes, by what let them go.",
                        "trigger",
                        "ack",
                        () -> disk.readsOnArrival)
                .counter(
                        "atlas_disk_new_data_reads_total",
                        "Reads of new bytes, by what let them go.",
                        "trigger",
                        "read_completion",
                        () -> disk.readsOnCompletion)
                .counter(
                        "atlas_disk_new_data_reads_total",
                        "Reads of new bytes, by what let them go.",
                        "trigger",
                        "buffer_wakeup",
                        () -> disk.readsOnWakeup)
                .gauge(
                        "atlas_disk_read_latency_max_seconds",
                        "Longest drive read latency seen.",
                        () -> disk.maxReadLatencyNanos,
                        1 / NANOS_PER_SECOND)
                .gauge("atlas_disk_reads_in_flight", "Drive reads submitted and not yet completed.", readsInFlight)
                .counter(
                        "atlas_disk_reads_beyond_window_total",
                        "Reads that reached more than one record past the connection's window (ACK clocking says 0).",
                        () -> disk.readsBeyondWindow)
                .gauge(
                        "atlas_disk_read_past_window_max_bytes",
                        "Furthest any read reached past its connection's window.",
                        () -> disk.maxReadPastWindow)
                .counter(
                        "atlas_storage_waits_total",
                        "Fetches that waited, by what was missing.",
                        "for",
                        "buffer",
                        () -> disk.bufferWaits)
                .counter(
                        "atlas_storage_waits_total",
                        "Fetches that waited, by what was missing.",
                        "for",
                        "queue_slot",
                        () -> disk.queueWaits)
                .counter(
                        "atlas_storage_waits_total",
                        "Fetches that waited, by what was missing.",
                        "for",
                        "connection_limit",
                        () -> disk.connectionLimitWaits)
                .counter(
                        MetricNames.COPY_BYTES,
                        "Bytes copied by software on the data path, by reason.",
                        "reason",
                        "tx_slot",
                        () -> disk.txCopyBytes)
                .gauge("atlas_buffers", "Chunk buffers in the lane's pool.", buffers::bufferCount)
                .gauge(
                        MetricNames.BUFFERS_IN_USE,
                        "Chunk buffers not free (being read, staged or being copied).",
                        buffers::buffersInUse)
                .gauge(
                        MetricNames.PIPELINE_WORKING_SET,
                        "Bytes the drive read into the chunks held now: compare with atlas_llc_size_bytes.",
                        () -> disk.bytesHeld);
    }

    /** How the lane shares its chunk buffers among connections (docs/storage.md): the line and its waits. */
    public static CounterSource bufferSharing(ExtentSource extents) {
        final StorageCounters disk = extents.counters();
        return meters -> meters.counter(
                        "atlas_storage_waits_total",
                        "Fetches that waited, by what was missing.",
                        "for",
                        "share",
                        () -> disk.shareWaits)
                .gauge(
                        "atlas_storage_waiting_connections",
                        "Connections waiting in line for a chunk buffer or drive queue slot.",
                        extents::connectionsWaiting)
                .gauge(
                        "atlas_storage_fair_share_chunks",
                        "Chunks one connection may hold now (the pool shared among those wanting it).",
                        extents::fairShare)
                .gauge(
                        "atlas_storage_longest_wait_seconds",
                        "Longest time a connection waited in line for a buffer or queue slot.",
                        () -> disk.longestBufferWaitNanos,
                        1 / NANOS_PER_SECOND);
    }
}
