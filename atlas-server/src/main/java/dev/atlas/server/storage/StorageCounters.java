package dev.atlas.server.storage;

/**
 * Plain counters of a lane's storage side (single writer: the lane; read racily by metrics and
 * the stats file, see {@code CounterSource}).
 */
public final class StorageCounters {
    /**
     * Upper bounds of the read-latency buckets, nanoseconds: 25 µs (a fast NVMe read) to 100 ms
     * (a drive in trouble); slower reads land in the last, unbounded bucket.
     */
    public static final long[] READ_LATENCY_BOUNDS_NANOS = {
        25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 100_000_000
    };

    /** Completed reads per latency bucket (not cumulative); the last bucket has no upper bound. */
    public final long[] readLatencyBuckets = new long[READ_LATENCY_BOUNDS_NANOS.length + 1];

    /** Counts one read's latency in its bucket. */
    void recordReadLatency(long nanos) {
        int bucket = 0;
        while (bucket < READ_LATENCY_BOUNDS_NANOS.length && nanos > READ_LATENCY_BOUNDS_NANOS[bucket]) {
            bucket++;
        }
        readLatencyBuckets[bucket]++;
        readLatencyNanos += nanos;
        if (nanos > maxReadLatencyNanos) {
            maxReadLatencyNanos = nanos;
        }
    }

    /** Disk reads submitted (one per chunk, up to four records). */
    public long reads;
    /** Bytes those reads asked for (whole blocks). */
    public long readBytes;
    /** Reads that completed with an error status; each reset its connection. */
    public long readErrors;
    /** Reads that completed after their connection had gone; their bytes were dropped. */
    public long readsDiscarded;
    /** Response bytes copied from chunk buffers into TX slots (the af_packet backend's one copy). */
    public long txCopyBytes;
    /** Chunks released before all their bytes were sent, because the peer had acknowledged them. */
    public long chunksAcknowledgedUnsent;
    /** Fetches that stopped for want of a free chunk buffer (the connection waits its turn). */
    public long bufferWaits;
    /** Fetches that stopped because a drive queue was full. */
    public long queueWaits;
    /** Staged chunks dropped unsent to make room for bytes needed sooner (read again later). */
    public long chunksEvicted;
    /** Fetches that stopped at the per-connection chunk limit. */
    public long connectionLimitWaits;
    /** Fetches that stopped at the connection's fair share of the pool (less than the limit: others want buffers too). */
    public long shareWaits;
    /** Longest time a connection waited in line for a buffer or queue slot, nanoseconds. */
    public long longestBufferWaitNanos;
    /** Connections woken because buffers or queue slots became free. */
    public long waitWakeups;
    /**
     * ACK-clocking check: reads of new bytes that reached more than one record past the
     * connection's window (from the first unacknowledged byte, min(cwnd, peer window); in loss
     * recovery cwnd counts from the next byte to send, as SACKed bytes leave the pipe). Must stay 0.
     */
    public long readsBeyondWindow;
    /** Largest amount, over all reads, by which a chunk's end went past the window's end (≤ a record). */
    public long maxReadPastWindow;
    /** Reads of bytes never sent before (new data). */
    public long newDataReads;
    /** New-data reads asked for in a lane pass in which a segment (an ACK, the request) from the peer arrived. */
    public long readsOnArrival;
    /** New-data reads inside a window opened by earlier ACKs, as the connection's reads complete and its frames go out. */
    public long readsOnCompletion;
    /** New-data reads by a connection whose turn in the line for a buffer or queue slot came (no ACK in the pass). */
    public long readsOnWakeup;
    /** Reads of bytes sent before (retransmissions regenerate from the drive). */
    public long retransmitReads;
    /**
     * Bytes the chunks held now were read into (a gauge): the pipeline's working set between the
     * drive and the wire, to compare with the last-level cache. A buffer holds up to four records
     * but only what its read brought in is touched.
     */
    public long bytesHeld;
    /** The most {@link #bytesHeld} has been. */
    public long maxBytesHeld;
    /** Sum of read latencies (submission to completion), nanoseconds. */
    public long readLatencyNanos;
    /** Largest read latency seen, nanoseconds. */
    public long maxReadLatencyNanos;
}
