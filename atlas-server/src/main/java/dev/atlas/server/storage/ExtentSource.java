package dev.atlas.server.storage;

import dev.atlas.diskmap.NvmeCallback;
import dev.atlas.diskmap.NvmeQueuePair;
import dev.atlas.diskmap.buffer.DmaBufferPool;
import dev.atlas.server.tcp.PayloadInMemory;
import dev.atlas.server.tcp.PayloadSource;
import dev.atlas.server.tcp.TcpConnection;
import java.lang.foreign.MemorySegment;

/**
 * Response bytes straight from the catalogue's drives, read just in time: the TCP engine asks
 * for the bytes its window lets it send, this source reads them a chunk at a time into a DMA
 * buffer (one drive command for as many whole records as the window reaches into, at most
 * {@code recordsPerRead}, {@link ChunkLayout}), wakes the connection when the read completes,
 * and gives the buffer back the moment its bytes have been copied into a TX frame.
 * Nothing is kept for retransmission: a lost byte is read again. There is no cache: two
 * connections sending the same bytes read them twice.
 *
 * <p>A stream segment of this source names drive {@code token} and the drive's byte address
 * {@code sourceOffset}. A chunk holds the bytes of one read; they are one run of stream offsets,
 * or (a TLS body, whose records' plaintext is spaced by tags and headers in the stream) one
 * piece per record, up to {@link ChunkLayout#MAX_RECORDS_PER_READ}. Each connection stages at
 * most {@code chunksPerConnection} chunks; the lane's buffer pool and drive queues bound the rest. A connection that finds no buffer or
 * queue slot waits in a FIFO and is woken by {@link #complete} when one frees up.
 *
 * <p>Lane thread only; no allocation, no blocking.
 */
public final class ExtentSource implements PayloadSource, PayloadInMemory, NvmeCallback, LaneStorage {
    private static final byte FREE = 0;
    private static final byte READING = 1;
    private static final byte READY = 2;
    /** Still being read, but its connection is gone: freed when the read completes. */
    private static final byte ORPHANED = 3;

    private static final int NONE = -1;
    /** Most pieces of stream one chunk holds: one per record it read. */
    private static final int PIECES = ChunkLayout.MAX_RECORDS_PER_READ;

    private final LaneDrives drives;
    private final DmaBufferPool pool;
    private final StorageCounters counters = new StorageCounters();
    private final int chunksPerConnection;
    private final int recordsPerRead;

    // One chunk per buffer: arrays indexed by buffer index.
    private final byte[] state;
    private final TcpConnection[] owner;
    // Stream offsets of a chunk's first byte and one past its last.
    private final long[] chunkStart;
    private final long[] chunkEnd;
    // Its pieces (by piece id: chunk * PIECES + i): stream range and where the bytes are in the buffer.
    private final int[] pieceCount;
    private final long[] pieceStart;
    private final long[] pieceEnd;
    private final int[] pieceData;
    private final int[] readLength;
    private final long[] issuedAt;

    // Each connection's chunks (by connection id): unordered, at most chunksPerConnection.
    private final int[] connectionChunks;
    private final int[] connectionChunkCount;

    /** Who may take the next buffer: fair shares and a FIFO of the connections that wait. */
    private final ReadAdmission admission;

    /** The current lane pass's clock (set as its plan step begins). */
    private long passNanos;

    /** A source reading up to {@link ChunkLayout#MAX_RECORDS_PER_READ} records per drive command. */
    public ExtentSource(LaneDrives drives, int maxConnections, int chunksPerConnection) {
        this(drives, maxConnections, new ChunkBudget(chunksPerConnection, ChunkLayout.MAX_RECORDS_PER_READ));
    }

    /** @param maxConnections the TCP engine's connection table size (connection ids are below it) */
    public ExtentSource(LaneDrives drives, int maxConnections, ChunkBudget budget) {
        final int chunksPerConnection = budget.chunksPerConnection();
        this.drives = drives;
        this.pool = drives.buffers();
        this.chunksPerConnection = chunksPerConnection;
        this.recordsPerRead = budget.recordsPerRead();
        final int chunks = pool.bufferCount();
        this.state = new byte[chunks];
        this.owner = new TcpConnection[chunks];
        this.chunkStart = new long[chunks];
        this.chunkEnd = new long[chunks];
        this.pieceCount = new int[chunks];
        this.pieceStart = new long[chunks * PIECES];
        this.pieceEnd = new long[chunks * PIECES];
        this.pieceData = new int[chunks * PIECES];
        this.readLength = new int[chunks];
        this.issuedAt = new long[chunks];
        this.connectionChunks = new int[maxConnections * chunksPerConnection];
        this.connectionChunkCount = new int[maxConnections];
        this.admission = new ReadAdmission(maxConnections, chunks, chunksPerConnection, counters);
    }

    public StorageCounters counters() {
        return counters;
    }

    public LaneDrives drives() {
        return drives;
    }

    /** Chunks (buffers) a connection holds now, staged or in flight: for tests and diagnostics. */
    public int chunksHeld(TcpConnection connection) {
        return connectionChunkCount[connection.id()];
    }

    /** Connections waiting for a buffer or drive queue slot now (a gauge). */
    public int connectionsWaiting() {
        return admission.waitingCount();
    }

    /** How long the longest-waiting connection has waited for a buffer so far, at {@code nowNanos}. */
    public long oldestWaitNanos(long nowNanos) {
        return admission.oldestWaitNanos(nowNanos);
    }

    /** Chunks one connection may hold now: the pool shared among the connections holding or waiting for chunks. */
    public int fairShare() {
        return admission.share();
    }

    // ---------------------------------------------------------------------------------------
    // PayloadSource
    // ---------------------------------------------------------------------------------------

    @Override
    public long ready(TcpConnection connection, long streamOffset, long token, long sourceOffset, long length) {
        final long end = streamOffset + length;
        long position = streamOffset;
        while (position < end) {
            final int piece = pieceAt(connection, position);
            if (piece == NONE || state[piece / PIECES] != READY) {
                break;
            }
            position = pieceEnd[piece];
        }
        return Math.min(position, end) - streamOffset;
    }

    @Override
    public void fetch(
            TcpConnection connection,
            long streamOffset,
            long token,
            long sourceOffset,
            long length,
            long extentRemaining) {
        fetchSpaced(
                connection, streamOffset, token, sourceOffset, length, extentRemaining, ChunkLayout.RECORD_BYTES, 0);
    }

    @Override
    public void fetchSpaced(
            TcpConnection connection,
            long streamOffset,
            long token,
            long sourceOffset,
            long length,
            long extentRemaining,
            int cell,
            int gap) {
        final int drive = (int) token;
        final long wantedEnd = sourceOffset + length;
        final long extentEnd = sourceOffset + extentRemaining;
        long address = sourceOffset;
        while (address < wantedEnd) {
            final long position = streamOffset
                    + (address - sourceOffset)
                    + (long) gap * (Math.floorDiv(address, cell) - Math.floorDiv(sourceOffset, cell));
            final int existing = pieceAt(connection, position);
            if (existing != NONE) {
                address += pieceEnd[existing] - position;
                continue;
            }
            final int held = connectionChunkCount[connection.id()];
            if (admission.atShare(connection, held) && !evictFurthest(connection, position)) {
                // Its reads completing (then evictable) or its chunks being sent bring it back.
                if (held >= chunksPerConnection) {
                    counters.connectionLimitWaits++;
                } else {
                    counters.shareWaits++;
                }
                return;
            }
            if (!drives.hasRoom(drive)) {
                counters.queueWaits++;
                admission.await(connection, passNanos);
                return;
            }
            if (!admission.admit(
                    connection, connectionChunkCount[connection.id()], pool.bufferCount() - pool.buffersInUse())) {
                // No buffer for the bytes it needs next: they must not wait behind its own read-ahead
                // (a lost segment's bytes behind staged chunks further on, with every buffer taken,
                // would wait forever). The chunk furthest ahead goes back to the pool, to the line.
                evictFurthest(connection, position);
                counters.bufferWaits++;
                admission.await(connection, passNanos);
                return;
            }
            final int buffer = pool.acquire();
            if (buffer == DmaBufferPool.NO_BUFFER) {
                counters.bufferWaits++;
                admission.await(connection, passNanos);
                return;
            }
            // Whole records (the chunk grid of the drive's address space): every record the bytes
            // wanted reach into, up to recordsPerRead in one command (larger reads get far more
            // from the drive), cut short only by the extent's end or a chunk this connection
            // already has further on. Rounding up to a record boundary keeps a read within a
            // record of the window (DESIGN.md §3).
            final long readEnd = Math.min(
                    extentEnd,
                    Math.min(
                            ChunkLayout.recordStart(address) + (long) recordsPerRead * ChunkLayout.RECORD_BYTES,
                            ChunkLayout.recordCeiling(wantedEnd)));
            final long end = cutPieces(connection, buffer, address, readEnd, position, cell, gap);
            final long readStart = ChunkLayout.blockStart(address);
            final int readBytes = (int) (ChunkLayout.blockEnd(end) - readStart);
            if (drives.read(drive, readStart, readBytes, pool.address(buffer) + ChunkLayout.READ_OFFSET, this, buffer)
                    == NvmeQueuePair.QUEUE_FULL) {
                pool.release(buffer);
                counters.queueWaits++;
                admission.await(connection, passNanos);
                return;
            }
            final int shift = ChunkLayout.READ_OFFSET + (int) (address - readStart);
            for (int i = buffer * PIECES; i < buffer * PIECES + pieceCount[buffer]; i++) {
                pieceData[i] += shift;
            }
            state[buffer] = READING;
            owner[buffer] = connection;
            readLength[buffer] = readBytes;
            counters.bytesHeld += readBytes;
            if (counters.bytesHeld > counters.maxBytesHeld) {
                counters.maxBytesHeld = counters.bytesHeld;
            }
            issuedAt[buffer] = System.nanoTime();
            if (connectionChunkCount[connection.id()] == 0) {
                admission.holders(1);
            }
            connectionChunks[connection.id() * chunksPerConnection + connectionChunkCount[connection.id()]++] = buffer;
            countRead(connection, position, chunkEnd[buffer], readBytes);
            address = end;
        }
    }

    /**
     * Lays out chunk {@code buffer}'s pieces for source bytes {@code address} (at stream offset
     * {@code position}) up to {@code readEnd}, one piece per {@code cell} when the stream spaces
     * cells by {@code gap} bytes, and stops where a chunk the connection already has begins.
     * Piece data offsets are relative to {@code address}. Returns the source byte it stopped at.
     */
    private long cutPieces(
            TcpConnection connection, int buffer, long address, long readEnd, long position, int cell, int gap) {
        final long next = nextChunkStart(connection, position);
        final int first = buffer * PIECES;
        int pieces = 0;
        long at = address;
        long streamAt = position;
        while (at < readEnd && pieces < PIECES && streamAt < next) {
            final long cellEnd = gap == 0 ? readEnd : Math.min(readEnd, at - Math.floorMod(at, cell) + cell);
            final long to = Math.min(streamAt + (cellEnd - at), next);
            pieceStart[first + pieces] = streamAt;
            pieceEnd[first + pieces] = to;
            pieceData[first + pieces] = (int) (at - address);
            pieces++;
            at += to - streamAt;
            streamAt = to + gap;
        }
        pieceCount[buffer] = pieces;
        chunkStart[buffer] = position;
        chunkEnd[buffer] = pieceEnd[first + pieces - 1];
        return at;
    }

    @Override
    public void fill(
            TcpConnection connection,
            long streamOffset,
            long token,
            long sourceOffset,
            MemorySegment dst,
            long dstOffset,
            int length) {
        copyOut(connection, streamOffset, dst, dstOffset, length, true);
    }

    /**
     * Copies the connection's ready bytes from {@code streamOffset} into {@code dst}; with
     * {@code sent} they went into a frame, so a chunk whose last byte this was is freed.
     */
    private void copyOut(
            TcpConnection connection, long streamOffset, MemorySegment dst, long dstOffset, int length, boolean sent) {
        long position = streamOffset;
        long out = dstOffset;
        int remaining = length;
        while (remaining > 0) {
            final int piece = pieceAt(connection, position);
            if (piece == NONE || state[piece / PIECES] != READY) {
                throw new IllegalStateException("stream bytes at " + position + " of " + connection
                        + " were taken before their chunk was read");
            }
            final int chunk = piece / PIECES;
            final int n = (int) Math.min(remaining, pieceEnd[piece] - position);
            MemorySegment.copy(pool.buffer(chunk), pieceData[piece] + (position - pieceStart[piece]), dst, out, n);
            counters.txCopyBytes += n;
            if (sent) {
                sent(connection, chunk, position, n);
            }
            position += n;
            out += n;
            remaining -= n;
        }
    }

    // ---------------------------------------------------------------------------------------
    // PayloadInMemory: the TLS record layer seals straight from the chunk into the frame
    // ---------------------------------------------------------------------------------------

    @Override
    public long address(TcpConnection connection, long streamOffset, long token, long sourceOffset, int length) {
        final int piece = pieceAt(connection, streamOffset);
        if (piece == NONE || state[piece / PIECES] != READY || streamOffset + length > pieceEnd[piece]) {
            return 0;
        }
        return pool.address(piece / PIECES) + pieceData[piece] + (streamOffset - pieceStart[piece]);
    }

    @Override
    public void copy(
            TcpConnection connection,
            long streamOffset,
            long token,
            long sourceOffset,
            MemorySegment dst,
            long dstOffset,
            int length) {
        copyOut(connection, streamOffset, dst, dstOffset, length, false);
    }

    /**
     * Its bytes went into frames (sealed from the chunk into the frame, or sealed from a
     * {@link #copy} and sent): a chunk whose last byte this was is freed. The copy, if any, was
     * counted when it was made; sealing straight into the frame is the copy itself.
     */
    @Override
    public void taken(TcpConnection connection, long streamOffset, int length) {
        final int piece = pieceAt(connection, streamOffset);
        if (piece != NONE) {
            sent(connection, piece / PIECES, streamOffset, length);
        }
    }

    /**
     * {@code length} bytes of {@code chunk} from stream offset {@code position} went into a TX
     * frame (copied, or sealed from the chunk into it).
     */
    private void sent(TcpConnection connection, int chunk, long position, int length) {
        if (position + length == chunkEnd[chunk]) {
            // Every byte of it has now been handed to the ring at least once: a loss re-reads.
            releaseChunk(connection, chunk);
        }
    }

    /**
     * Whether the connection must send what it has now, even a piece of a segment: it waits for
     * a buffer or holds its whole share, so the chunk its ready bytes end in would otherwise wait
     * for a chunk it cannot get (hold and wait).
     */
    @Override
    public boolean starved(TcpConnection connection, long streamOffset) {
        return pieceAt(connection, streamOffset) == NONE
                && admission.starved(connection, connectionChunkCount[connection.id()]);
    }

    /** Every acknowledgement reaches here (SendStream.trim), so staged chunks below it go at once. */
    @Override
    public void acknowledged(TcpConnection connection, long streamOffset) {
        releaseAcknowledged(connection);
    }

    // ---------------------------------------------------------------------------------------
    // Drive completions and the lane's pass
    // ---------------------------------------------------------------------------------------

    @Override
    public void onComplete(long token, int status) {
        final int chunk = (int) token;
        counters.recordReadLatency(System.nanoTime() - issuedAt[chunk]);
        if (state[chunk] == ORPHANED) {
            counters.readsDiscarded++;
            free(chunk);
            return;
        }
        final TcpConnection connection = owner[chunk];
        if (status != 0) {
            // The response cannot be completed and its head is already on the wire: reset this
            // connection (its close releases the rest of its chunks); every other one goes on.
            counters.readErrors++;
            releaseChunk(connection, chunk);
            connection.abort();
            return;
        }
        if (connection.unacknowledgedBytes() == 0) {
            // Read for a retransmission that the original made moot while the read was in flight,
            // and the peer now has every byte: no acknowledgement will come to release it, and it
            // must not hold a buffer until the connection closes (with a small pool, everyone
            // would wait for it). While bytes are still unacknowledged it stays: a TLS record's
            // tag may need its whole plaintext even after the record's data is acknowledged.
            counters.chunksAcknowledgedUnsent++;
            releaseChunk(connection, chunk);
            return;
        }
        state[chunk] = READY;
        connection.wake();
    }

    /** The plan step of the pass at {@code nowNanos} begins: reads asked for from now on are this pass's. */
    @Override
    public void planning(long nowNanos) {
        passNanos = nowNanos;
    }

    /**
     * The lane's completion step at time {@code nowNanos}: completes reads (waking their
     * connections) and, while buffers are free, grants them to the connections waiting in line
     * and wakes those. Returns the work done.
     */
    @Override
    public int complete(long nowNanos) {
        int work = drives.poll();
        // Wake only as many as could start a read now: waking the whole line while the drive
        // queue is full would only send it back into line, pass after pass.
        work += admission.wake(Math.min(pool.bufferCount() - pool.buffersInUse(), drives.slotsFree()), nowNanos);
        return work;
    }

    /** Rings the drives' doorbells for the reads the plan step queued in this pass; grants it did not use lapse. */
    @Override
    public int submit() {
        admission.planDone();
        return drives.submit();
    }

    /**
     * Forgets a closed connection: staged chunks go back to the pool at once, reads in flight are
     * orphaned (their buffers return when the drive is done with them).
     */
    public void release(TcpConnection connection) {
        final int id = connection.id();
        final int base = id * chunksPerConnection;
        for (int i = 0; i < connectionChunkCount[id]; i++) {
            final int chunk = connectionChunks[base + i];
            if (state[chunk] == READING) {
                state[chunk] = ORPHANED;
                owner[chunk] = null;
            } else {
                free(chunk);
            }
        }
        if (connectionChunkCount[id] > 0) {
            admission.holders(-1);
        }
        connectionChunkCount[id] = 0;
        admission.forget(connection);
    }

    // ---------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------

    /**
     * The piece of the connection's chunks holding stream offset {@code position} (its id:
     * chunk × {@link #PIECES} + index), or {@link #NONE}.
     */
    private int pieceAt(TcpConnection connection, long position) {
        final int id = connection.id();
        final int base = id * chunksPerConnection;
        for (int i = 0; i < connectionChunkCount[id]; i++) {
            final int chunk = connectionChunks[base + i];
            if (chunkStart[chunk] <= position && position < chunkEnd[chunk]) {
                for (int piece = chunk * PIECES; piece < chunk * PIECES + pieceCount[chunk]; piece++) {
                    if (pieceStart[piece] <= position && position < pieceEnd[piece]) {
                        return piece;
                    }
                }
                return NONE; // between two of its pieces: bytes that are not the source's
            }
        }
        return NONE;
    }

    /** Start of the connection's first chunk after {@code position}, or Long.MAX_VALUE. */
    private long nextChunkStart(TcpConnection connection, long position) {
        final int id = connection.id();
        final int base = id * chunksPerConnection;
        long next = Long.MAX_VALUE;
        for (int i = 0; i < connectionChunkCount[id]; i++) {
            final long start = chunkStart[connectionChunks[base + i]];
            if (start > position && start < next) {
                next = start;
            }
        }
        return next;
    }

    /**
     * At the per-connection limit, makes room for the chunk at {@code position} by dropping the
     * staged (read, unsent) chunk furthest beyond it: bytes needed sooner (a retransmission, the
     * next new bytes) must not wait behind read-ahead that cannot go out before them, or a
     * connection could hold its limit in chunks it can never send. The dropped one is read again
     * when its turn comes. False when every chunk beyond is still being read.
     */
    private boolean evictFurthest(TcpConnection connection, long position) {
        final int id = connection.id();
        final int base = id * chunksPerConnection;
        int furthest = NONE;
        for (int i = 0; i < connectionChunkCount[id]; i++) {
            final int chunk = connectionChunks[base + i];
            if (state[chunk] == READY
                    && chunkStart[chunk] > position
                    && (furthest == NONE || chunkStart[chunk] > chunkStart[furthest])) {
                furthest = chunk;
            }
        }
        if (furthest == NONE) {
            return false;
        }
        counters.chunksEvicted++;
        releaseChunk(connection, furthest);
        return true;
    }

    /** Drops staged chunks whose bytes the peer has all acknowledged (e.g. read for a retransmission the original made moot). */
    private void releaseAcknowledged(TcpConnection connection) {
        final long acknowledged = connection.acknowledgedOffset();
        final int id = connection.id();
        final int base = id * chunksPerConnection;
        for (int i = connectionChunkCount[id] - 1; i >= 0; i--) {
            final int chunk = connectionChunks[base + i];
            if (state[chunk] == READY && chunkEnd[chunk] <= acknowledged) {
                counters.chunksAcknowledgedUnsent++;
                releaseChunk(connection, chunk);
            }
        }
    }

    private void releaseChunk(TcpConnection connection, int chunk) {
        final int id = connection.id();
        final int base = id * chunksPerConnection;
        final int last = base + --connectionChunkCount[id];
        if (connectionChunkCount[id] == 0) {
            admission.holders(-1);
        }
        for (int i = base; i <= last; i++) {
            if (connectionChunks[i] == chunk) {
                connectionChunks[i] = connectionChunks[last];
                break;
            }
        }
        free(chunk);
    }

    private void free(int chunk) {
        counters.bytesHeld -= readLength[chunk];
        readLength[chunk] = 0;
        state[chunk] = FREE;
        owner[chunk] = null;
        pool.release(chunk);
    }

    /** Counts a read and checks it against the window the ACKs have opened (DESIGN.md §3). */
    private void countRead(TcpConnection connection, long start, long end, int bytes) {
        counters.reads++;
        counters.readBytes += bytes;
        if (start < connection.sendOffset()) {
            counters.retransmitReads++;
            return;
        }
        counters.newDataReads++;
        // What let this read go: a segment that arrived in this pass (an ACK opening the window,
        // or the request); its turn in the line for buffers or queue slots; or neither — the
        // window the ACKs opened earlier is still open and the connection goes on through it as
        // its reads complete and its frames go out (at most a record per connection ahead).
        if (connection.lastReceivedNanos() == passNanos) {
            counters.readsOnArrival++;
        } else if (admission.woken(connection)) {
            counters.readsOnWakeup++;
        } else {
            counters.readsOnCompletion++;
        }
        // The most TCP may have sent: the peer's window from the first unacknowledged byte, and
        // the congestion window from there too, or (in recovery, where SACKed bytes leave the
        // pipe) from the next byte to send.
        final long cwnd = connection.congestionWindow();
        final long peerLimit = connection.acknowledgedOffset() + connection.peerWindow();
        final long windowEnd = Math.min(
                peerLimit,
                (connection.inRecovery() ? connection.sendOffset() : connection.acknowledgedOffset()) + cwnd);
        final long past = end - windowEnd;
        if (past > counters.maxReadPastWindow) {
            counters.maxReadPastWindow = past;
        }
        if (past > ChunkLayout.RECORD_BYTES) {
            counters.readsBeyondWindow++;
        }
    }
}
