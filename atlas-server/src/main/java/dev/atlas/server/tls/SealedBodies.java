package dev.atlas.server.tls;

import dev.atlas.server.tcp.PayloadInMemory;
import dev.atlas.server.tcp.PayloadSource;
import dev.atlas.server.tcp.TcpConnection;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * Response bodies as TLS records, regenerated on demand like the plaintext they wrap: a
 * {@link PayloadSource} over another source (the drive's {@code ExtentSource}, or any other)
 * whose stream segments are the framed bodies. A body's records follow {@link RecordLayout};
 * nothing per record is kept. The plaintext source sees each record's plaintext at the stream
 * offsets where its ciphertext goes, so its per-connection staging and its acknowledgement
 * handling work unchanged.
 *
 * <p>Filling a frame with an engine that {@link RecordSealer#sealsInto seals into} native
 * memory, a record that lies whole in the frame is sealed straight into it: from the source's
 * own memory when it is {@link PayloadInMemory} (encryption is the copy), otherwise from its
 * plaintext filled into the frame, in place. Other records are sealed in the sealer's staging
 * area and copied into the frame. A frame that ends inside a record leaves the sealed record staged, and the
 * next frame (usually the same connection's, in the same visit) takes the rest from there; a
 * slice that does not reach the tag, with the record's plaintext not all at hand (a
 * retransmission inside a record), is encrypted alone with AES-CTR at its own counter. Either
 * way the bytes are the ones the first transmission sent: same key, nonce and plaintext.
 *
 * <p>Per connection at most {@link #BODIES_PER_CONNECTION} bodies are queued and unacknowledged.
 * Lane thread only; no allocation beyond the sealer's.
 */
public final class SealedBodies implements PayloadSource {
    /** Bodies one connection may have queued and unacknowledged (pipelined responses). */
    public static final int BODIES_PER_CONNECTION = 16;

    private static final int NONE = -1;

    private final RecordSealer sealer;
    /** Whole records go straight into native frames (the engine {@link RecordSealer#sealsInto}). */
    private final boolean sealIntoFrames;

    private final MemorySegment staging;
    private final byte[] aad = new byte[RecordFormat.AAD_12_BYTES];
    private final byte[] header = new byte[RecordFormat.HEADER_BYTES + RecordFormat.EXPLICIT_NONCE_BYTES];
    private final MemorySegment headerSegment = MemorySegment.ofArray(header);

    private final PayloadSource[] inner;
    private final long[] innerToken;
    private final long[] sourceStart;
    private final long[] length;
    private final long[] baseSeq;
    private final TrafficKeys[] keys;
    /** Stream offset of the body's first framed byte (where its segment starts). */
    private final long[] streamStart;

    private final int[] generation;
    private final int[] head;
    private final int[] count;

    /** Which record the staging area holds sealed, or {@link #NONE}. */
    private int cachedSlot = NONE;

    private int cachedGeneration;
    private long cachedRecord;

    /** Bytes copied out of the staging area into frames (the copy the JCA's heap-only speed costs). */
    private long stagingCopyBytes;

    private long recordsSealed;
    private long recordsSealedIntoFrames;
    private long slicesEncrypted;
    private long cacheHits;

    public SealedBodies(int maxConnections, RecordSealer sealer) {
        this(maxConnections, sealer, sealer.sealsInto());
    }

    /**
     * With {@code sealIntoFrames} false, every record goes through the staging area even when the
     * engine could seal into the frame (the benchmark compares the two ways).
     */
    public SealedBodies(int maxConnections, RecordSealer sealer, boolean sealIntoFrames) {
        if (sealIntoFrames && !sealer.sealsInto()) {
            throw new IllegalArgumentException(sealer.name() + " cannot seal into frames");
        }
        this.sealer = sealer;
        this.sealIntoFrames = sealIntoFrames;
        this.staging = sealer.staging();
        final int n = maxConnections * BODIES_PER_CONNECTION;
        this.inner = new PayloadSource[n];
        this.innerToken = new long[n];
        this.sourceStart = new long[n];
        this.length = new long[n];
        this.baseSeq = new long[n];
        this.keys = new TrafficKeys[n];
        this.streamStart = new long[n];
        this.generation = new int[n];
        this.head = new int[maxConnections];
        this.count = new int[maxConnections];
    }

    public RecordSealer sealer() {
        return sealer;
    }

    /**
     * Queues a body of {@code bodyLength} bytes of {@code source}'s extent {@code token} from
     * {@code offset} on {@code connection}, sealed with {@code writeKeys} from record sequence
     * number {@code firstSeq}. Returns the records it takes, or −1 when the connection has no
     * room (too many bodies unacknowledged, or a full segment list).
     */
    public long queue(
            TcpConnection connection,
            TrafficKeys writeKeys,
            long firstSeq,
            PayloadSource source,
            long token,
            long offset,
            long bodyLength) {
        if (bodyLength <= 0) {
            return bodyLength == 0 ? 0 : -1;
        }
        final int slot =
                add(connection.id(), connection.queuedOffset(), writeKeys, firstSeq, source, token, offset, bodyLength);
        if (slot == NONE) {
            return -1;
        }
        final long framed = RecordLayout.framedLength(offset, bodyLength, RecordFormat.overhead(writeKeys.tls13()));
        if (!connection.sendDirect(this, slot, 0, framed)) {
            removeNewest(connection.id());
            return -1;
        }
        return RecordLayout.records(offset, bodyLength);
    }

    /**
     * Takes a body slot of connection {@code id} for a body whose framed bytes start at stream
     * offset {@code streamOffset}; returns the slot (the stream segment's token) or −1 when the
     * connection has {@link #BODIES_PER_CONNECTION} bodies unacknowledged. Public for the sealing
     * benchmark, which fills frames from it with no connection; {@link #queue} is the server's way.
     */
    public int add(
            int id,
            long streamOffset,
            TrafficKeys writeKeys,
            long firstSeq,
            PayloadSource source,
            long token,
            long offset,
            long bodyLength) {
        if (count[id] == BODIES_PER_CONNECTION) {
            return NONE;
        }
        final int slot = slot(id, count[id]);
        inner[slot] = source;
        innerToken[slot] = token;
        sourceStart[slot] = offset;
        length[slot] = bodyLength;
        baseSeq[slot] = firstSeq;
        keys[slot] = writeKeys;
        streamStart[slot] = streamOffset;
        generation[slot]++;
        count[id]++;
        return slot;
    }

    private void removeNewest(int id) {
        final int slot = slot(id, count[id] - 1);
        inner[slot] = null;
        keys[slot] = null;
        generation[slot]++;
        count[id]--;
    }

    /**
     * Seals {@code plainLength} bytes of {@code plaintext} (at most one record) as one record of
     * content type {@code type} with sequence number {@code seq} and queues it retained on the
     * connection (response heads, alerts, key updates). False when the connection has no room.
     */
    public boolean queueRecord(
            TcpConnection connection,
            TrafficKeys writeKeys,
            long seq,
            byte type,
            MemorySegment plaintext,
            long offset,
            int plainLength) {
        final int total = sealRecord(writeKeys, seq, type, plaintext, offset, plainLength);
        return connection.sendRetainedDirect(staging, 0, total);
    }

    /** Seals one record into the staging area from its start; returns its length on the wire. */
    int sealRecord(TrafficKeys writeKeys, long seq, byte type, MemorySegment plaintext, long offset, int plainLength) {
        final boolean tls13 = writeKeys.tls13();
        final int prefix = RecordFormat.prefix(tls13);
        final int total = plainLength + RecordFormat.overhead(tls13);
        cachedSlot = NONE;
        RecordWriter.header(header, tls13 ? RecordFormat.APPLICATION_DATA : type, total - RecordFormat.HEADER_BYTES);
        if (!tls13) {
            RecordWriter.putLong(header, RecordFormat.HEADER_BYTES, seq);
        }
        MemorySegment.copy(headerSegment, 0, staging, 0, prefix);
        MemorySegment.copy(plaintext, offset, staging, prefix, plainLength);
        int encrypted = plainLength;
        final int aadLength;
        if (tls13) {
            staging.set(ValueLayout.JAVA_BYTE, prefix + plainLength, type);
            encrypted++;
            System.arraycopy(header, 0, aad, 0, RecordFormat.HEADER_BYTES);
            aadLength = RecordFormat.HEADER_BYTES;
        } else {
            aadLength = additionalData12(aad, seq, type, plainLength);
        }
        sealer.seal(writeKeys, seq, aad, aadLength, prefix, encrypted);
        return total;
    }

    /** Forgets a closed connection's bodies. */
    public void release(TcpConnection connection) {
        final int id = connection.id();
        for (int i = 0; i < count[id]; i++) {
            final int slot = slot(id, i);
            inner[slot] = null;
            keys[slot] = null;
            generation[slot]++;
        }
        head[id] = 0;
        count[id] = 0;
    }

    private int slot(int id, int n) {
        return id * BODIES_PER_CONNECTION + (head[id] + n) % BODIES_PER_CONNECTION;
    }

    // ---------------------------------------------------------------------------------------
    // PayloadSource: token = slot, sourceOffset = offset in the framed body
    // ---------------------------------------------------------------------------------------

    @Override
    public long ready(TcpConnection connection, long streamOffset, long token, long framedOffset, long pieceLength) {
        final int slot = (int) token;
        final boolean tls13 = keys[slot].tls13();
        final int overhead = RecordFormat.overhead(tls13);
        final int prefix = RecordFormat.prefix(tls13);
        final long start = sourceStart[slot];
        final long body = length[slot];
        final long end = framedOffset + pieceLength;
        long at = framedOffset;
        long k = RecordLayout.recordAt(start, body, at, overhead);
        while (at < end) {
            final long recordStart = RecordLayout.framedStart(start, body, k, overhead);
            final int plain = RecordLayout.plaintextLength(start, body, k);
            final long dataStart = recordStart + prefix;
            final long dataEnd = dataStart + plain;
            final long recordEnd = recordStart + plain + overhead;
            final long pieceEnd = Math.min(end, recordEnd);
            if (pieceEnd > dataStart && !isCached(slot, k)) {
                final long plainStart = RecordLayout.plaintextStart(start, body, k);
                if (pieceEnd > dataEnd) {
                    // The piece reaches the tag: the whole record's plaintext must be at hand.
                    final long ready = innerReady(connection, slot, k, plainStart, 0, plain, dataStart);
                    if (ready == 0 && at <= recordStart) {
                        return Math.max(at, recordStart) - framedOffset; // not a header alone: the record goes whole
                    }
                    if (ready < plain) {
                        return Math.max(at, dataStart + ready) - framedOffset; // the data before it can go by CTR
                    }
                } else {
                    final long from = Math.max(at, dataStart);
                    final long wanted = pieceEnd - from;
                    final long ready = innerReady(connection, slot, k, plainStart, from - dataStart, wanted, dataStart);
                    if (ready < wanted) {
                        return from + ready - framedOffset;
                    }
                }
            }
            at = pieceEnd;
            k++;
        }
        return pieceLength;
    }

    private long innerReady(
            TcpConnection connection, int slot, long k, long plainStart, long within, long wanted, long dataStart) {
        return inner[slot].ready(
                connection,
                streamStart[slot] + dataStart + within,
                innerToken[slot],
                sourceStart[slot] + plainStart + within,
                wanted);
    }

    @Override
    public void fetch(
            TcpConnection connection,
            long streamOffset,
            long token,
            long framedOffset,
            long pieceLength,
            long extentRemaining) {
        final int slot = (int) token;
        final boolean tls13 = keys[slot].tls13();
        final int overhead = RecordFormat.overhead(tls13);
        final int prefix = RecordFormat.prefix(tls13);
        final long start = sourceStart[slot];
        final long body = length[slot];
        final long end = framedOffset + pieceLength;
        long at = framedOffset;
        long k = RecordLayout.recordAt(start, body, at, overhead);
        // Records whose new bytes are wanted whole, in a run asked for at once: the source reads
        // as many of them per drive command as it can, wherever the tags and headers between them
        // put their plaintext in the stream.
        long runFirst = NONE;
        long runLast = NONE;
        while (at < end) {
            final long recordStart = RecordLayout.framedStart(start, body, k, overhead);
            final int plain = RecordLayout.plaintextLength(start, body, k);
            final long dataStart = recordStart + prefix;
            final long dataEnd = dataStart + plain;
            final long pieceEnd = Math.min(end, recordStart + plain + overhead);
            if (pieceEnd > dataStart && !isCached(slot, k)) {
                // New bytes: the whole record, read once into one chunk (its tag needs all of it, and
                // a record read in pieces would free the first piece before the tag could be made,
                // then wait for a buffer to read it again while holding the rest). A lost piece
                // inside a record: only its bytes (sent again by CTR).
                final boolean whole = pieceEnd > dataEnd
                        || connection == null
                        || streamStart[slot] + Math.max(at, dataStart) >= connection.sendOffset();
                if (whole) {
                    if (runFirst == NONE) {
                        runFirst = k;
                    }
                    runLast = k;
                } else {
                    if (runFirst != NONE && !fetchRun(connection, slot, runFirst, runLast, overhead, prefix)) {
                        return;
                    }
                    runFirst = NONE;
                    final long plainStart = RecordLayout.plaintextStart(start, body, k);
                    final long from = Math.max(at, dataStart);
                    final long to = Math.min(pieceEnd, dataEnd);
                    // Never past the record: its plaintext sits at stream offsets of its own.
                    inner[slot].fetch(
                            connection,
                            streamStart[slot] + from,
                            innerToken[slot],
                            start + plainStart + (from - dataStart),
                            to - from,
                            dataEnd - from);
                    if (connection != null && inner[slot].starved(connection, streamStart[slot] + from)) {
                        // Could not be had now (no buffer, or the connection's share is full): the
                        // records after it must not take the buffers it needs first.
                        return;
                    }
                }
            } else if (runFirst != NONE) {
                if (!fetchRun(connection, slot, runFirst, runLast, overhead, prefix)) {
                    return;
                }
                runFirst = NONE;
            }
            at = pieceEnd;
            k++;
        }
        if (runFirst != NONE) {
            fetchRun(connection, slot, runFirst, runLast, overhead, prefix);
        }
    }

    /**
     * Asks the plaintext source for records {@code first} to {@code last} of the body in
     * {@code slot}, whole. False when the first of them could not be had now (no buffer, or the
     * connection's share is full): the records after must not take the buffers it needs first.
     */
    private boolean fetchRun(TcpConnection connection, int slot, long first, long last, int overhead, int prefix) {
        final long start = sourceStart[slot];
        final long body = length[slot];
        final long plainFrom = RecordLayout.plaintextStart(start, body, first);
        final long plainTo =
                RecordLayout.plaintextStart(start, body, last) + RecordLayout.plaintextLength(start, body, last);
        final long dataStart = RecordLayout.framedStart(start, body, first, overhead) + prefix;
        inner[slot].fetchSpaced(
                connection,
                streamStart[slot] + dataStart,
                innerToken[slot],
                start + plainFrom,
                plainTo - plainFrom,
                body - plainFrom,
                RecordFormat.MAX_PLAINTEXT,
                overhead);
        return connection == null || !inner[slot].starved(connection, streamStart[slot] + dataStart);
    }

    @Override
    public void fill(
            TcpConnection connection,
            long streamOffset,
            long token,
            long framedOffset,
            MemorySegment dst,
            long dstOffset,
            int pieceLength) {
        final int slot = (int) token;
        final TrafficKeys writeKeys = keys[slot];
        final boolean tls13 = writeKeys.tls13();
        final int overhead = RecordFormat.overhead(tls13);
        final int prefix = RecordFormat.prefix(tls13);
        final long start = sourceStart[slot];
        final long body = length[slot];
        final long end = framedOffset + pieceLength;
        long at = framedOffset;
        long out = dstOffset;
        long k = RecordLayout.recordAt(start, body, at, overhead);
        while (at < end) {
            final long recordStart = RecordLayout.framedStart(start, body, k, overhead);
            final int plain = RecordLayout.plaintextLength(start, body, k);
            final long dataStart = recordStart + prefix;
            final long dataEnd = dataStart + plain;
            final long recordEnd = recordStart + plain + overhead;
            final long pieceEnd = Math.min(end, recordEnd);
            final int n = (int) (pieceEnd - at);
            if (isCached(slot, k)) {
                cacheHits++;
                MemorySegment.copy(staging, at - recordStart, dst, out, n);
                stagingCopyBytes += n;
                recordSent(connection, slot, dataStart, plain, pieceEnd == recordEnd);
            } else if (pieceEnd <= dataStart) {
                writeHeader(writeKeys, baseSeq[slot] + k, plain, tls13);
                MemorySegment.copy(headerSegment, at - recordStart, dst, out, n);
            } else {
                final long plainStart = RecordLayout.plaintextStart(start, body, k);
                // The whole record when the piece needs the tag, or starts at the record (a first
                // transmission: the next frame takes the rest from the staged record); a piece
                // inside the record's data (a lost segment resent) costs only its own bytes by CTR.
                if (pieceEnd > dataEnd
                        || at < dataStart
                                && innerReady(connection, slot, k, plainStart, 0, plain, dataStart) == plain) {
                    if (sealIntoFrames && at == recordStart && pieceEnd == recordEnd && dst.isNative()) {
                        sealIntoFrame(connection, slot, k, plainStart, plain, dataStart, tls13, dst, out, n);
                    } else {
                        sealRecord(connection, slot, k, plainStart, plain, dataStart, tls13);
                        MemorySegment.copy(staging, at - recordStart, dst, out, n);
                        stagingCopyBytes += n;
                        recordSent(connection, slot, dataStart, plain, pieceEnd == recordEnd);
                    }
                } else {
                    if (at < dataStart) {
                        writeHeader(writeKeys, baseSeq[slot] + k, plain, tls13);
                        MemorySegment.copy(headerSegment, at - recordStart, dst, out, dataStart - at);
                    }
                    final long from = Math.max(at, dataStart);
                    final int slice = (int) (pieceEnd - from);
                    cachedSlot = NONE;
                    inner[slot].fill(
                            connection,
                            streamStart[slot] + from,
                            innerToken[slot],
                            start + plainStart + (from - dataStart),
                            staging,
                            0,
                            slice);
                    sealer.encryptSlice(writeKeys, baseSeq[slot] + k, from - dataStart, 0, slice);
                    slicesEncrypted++;
                    MemorySegment.copy(staging, 0, dst, out + (from - at), slice);
                    stagingCopyBytes += slice;
                }
            }
            out += n;
            at = pieceEnd;
            k++;
        }
    }

    /** A staged record's bytes went into a frame: once its last byte has, its plaintext may go. */
    private void recordSent(TcpConnection connection, int slot, long dataStart, int plain, boolean recordEnded) {
        if (recordEnded && inner[slot] instanceof PayloadInMemory memory) {
            memory.taken(connection, streamStart[slot] + dataStart, plain);
        }
    }

    /** Seals record {@code k} of the body in {@code slot} whole into the staging area (framed as on the wire). */
    private void sealRecord(
            TcpConnection connection, int slot, long k, long plainStart, int plain, long dataStart, boolean tls13) {
        final TrafficKeys writeKeys = keys[slot];
        final long seq = baseSeq[slot] + k;
        final int prefix = RecordFormat.prefix(tls13);
        writeHeader(writeKeys, seq, plain, tls13);
        MemorySegment.copy(headerSegment, 0, staging, 0, prefix);
        final long stream = streamStart[slot] + dataStart;
        final long from = sourceStart[slot] + plainStart;
        if (inner[slot] instanceof PayloadInMemory memory) {
            // Kept by the source until the record's last byte goes out (recordSent): a frame that
            // ends inside the record leaves it to a later one, which may find another record
            // staged by then and seal this one again, from memory rather than from the drive.
            memory.copy(connection, stream, innerToken[slot], from, staging, prefix, plain);
        } else {
            inner[slot].fill(connection, stream, innerToken[slot], from, staging, prefix, plain);
        }
        int encrypted = plain;
        int aadLength = RecordFormat.HEADER_BYTES;
        if (tls13) {
            staging.set(ValueLayout.JAVA_BYTE, prefix + plain, RecordFormat.APPLICATION_DATA);
            encrypted++;
            System.arraycopy(header, 0, aad, 0, RecordFormat.HEADER_BYTES);
        } else {
            aadLength = additionalData12(aad, seq, RecordFormat.APPLICATION_DATA, plain);
        }
        sealer.seal(writeKeys, seq, aad, aadLength, prefix, encrypted);
        recordsSealed++;
        cachedSlot = slot;
        cachedGeneration = generation[slot];
        cachedRecord = k;
    }

    /**
     * Seals record {@code k} of the body in {@code slot}, framed, straight into the {@code n}
     * bytes of {@code dst} from {@code out}: no staging copy. The staging area is left as it was.
     */
    private void sealIntoFrame(
            TcpConnection connection,
            int slot,
            long k,
            long plainStart,
            int plain,
            long dataStart,
            boolean tls13,
            MemorySegment dst,
            long out,
            int n) {
        Objects.checkFromIndexSize(out, n, dst.byteSize()); // raw addresses below: checked once here
        final TrafficKeys writeKeys = keys[slot];
        final long seq = baseSeq[slot] + k;
        final int prefix = RecordFormat.prefix(tls13);
        writeHeader(writeKeys, seq, plain, tls13);
        MemorySegment.copy(headerSegment, 0, dst, out, prefix);
        final long data = dst.address() + out + prefix;
        final long plainOffset = sourceStart[slot] + plainStart;
        long from = 0;
        if (inner[slot] instanceof PayloadInMemory memory) {
            from = memory.address(connection, streamStart[slot] + dataStart, innerToken[slot], plainOffset, plain);
        }
        if (from == 0) {
            inner[slot].fill(
                    connection, streamStart[slot] + dataStart, innerToken[slot], plainOffset, dst, out + prefix, plain);
            from = data;
        }
        final int aadLength;
        if (tls13) {
            System.arraycopy(header, 0, aad, 0, RecordFormat.HEADER_BYTES);
            aadLength = RecordFormat.HEADER_BYTES;
        } else {
            aadLength = additionalData12(aad, seq, RecordFormat.APPLICATION_DATA, plain);
        }
        sealer.sealInto(
                writeKeys,
                seq,
                aad,
                aadLength,
                from,
                data,
                plain,
                tls13 ? RecordFormat.APPLICATION_DATA : RecordSealer.NO_INNER_TYPE);
        if (from != data) {
            ((PayloadInMemory) inner[slot]).taken(connection, streamStart[slot] + dataStart, plain);
        }
        recordsSealed++;
        recordsSealedIntoFrames++;
    }

    private boolean isCached(int slot, long k) {
        return cachedSlot == slot && cachedGeneration == generation[slot] && cachedRecord == k;
    }

    /** Header (and TLS 1.2's explicit nonce) of an application-data record with {@code plain} bytes. */
    private void writeHeader(TrafficKeys writeKeys, long seq, int plain, boolean tls13) {
        RecordWriter.header(
                header,
                RecordFormat.APPLICATION_DATA,
                plain + RecordFormat.overhead(tls13) - RecordFormat.HEADER_BYTES);
        if (!tls13) {
            RecordWriter.putLong(header, RecordFormat.HEADER_BYTES, seq);
        }
    }

    /** TLS 1.2 GCM additional data (RFC 5246 §6.2.3.3): seq, type, version, plaintext length. */
    static int additionalData12(byte[] aad, long seq, byte type, int plain) {
        RecordWriter.putLong(aad, 0, seq);
        aad[8] = type;
        aad[9] = (byte) (RecordFormat.LEGACY_VERSION >>> 8);
        aad[10] = (byte) RecordFormat.LEGACY_VERSION;
        aad[11] = (byte) (plain >>> 8);
        aad[12] = (byte) plain;
        return RecordFormat.AAD_12_BYTES;
    }

    /** The start of the record holding the byte at {@code streamOffset} (its header's first byte). */
    @Override
    public long unitStart(TcpConnection connection, long streamOffset, long token, long framedOffset) {
        final int slot = (int) token;
        final int overhead = RecordFormat.overhead(keys[slot].tls13());
        final long k = RecordLayout.recordAt(sourceStart[slot], length[slot], framedOffset, overhead);
        return streamOffset - (framedOffset - RecordLayout.framedStart(sourceStart[slot], length[slot], k, overhead));
    }

    /**
     * The plaintext source decides, for the record the byte at {@code streamOffset} belongs to:
     * when the connection waits for a buffer or holds its share and that record's plaintext is
     * not on its way, the engine sends what is ready now (the progress rule of the storage side,
     * which a TLS connection needs as much as a plain one).
     */
    @Override
    public boolean starved(TcpConnection connection, long streamOffset) {
        final int id = connection.id();
        for (int i = 0; i < count[id]; i++) {
            final int slot = slot(id, i);
            final boolean tls13 = keys[slot].tls13();
            final int overhead = RecordFormat.overhead(tls13);
            final long start = sourceStart[slot];
            final long body = length[slot];
            final long at = streamOffset - streamStart[slot];
            if (at < 0 || at >= RecordLayout.framedLength(start, body, overhead)) {
                continue;
            }
            final long k = RecordLayout.recordAt(start, body, at, overhead);
            final long dataStart = RecordLayout.framedStart(start, body, k, overhead) + RecordFormat.prefix(tls13);
            return inner[slot].starved(connection, streamStart[slot] + Math.max(at, dataStart));
        }
        return false;
    }

    // ---------------------------------------------------------------------------------------
    // Acknowledgements
    // ---------------------------------------------------------------------------------------

    @Override
    public void acknowledged(TcpConnection connection, long streamOffset) {
        final int id = connection.id();
        if (count[id] > 0) {
            final int slot = slot(id, 0);
            inner[slot].acknowledged(connection, streamOffset);
        }
        while (count[id] > 0) {
            final int slot = slot(id, 0);
            final boolean tls13 = keys[slot].tls13();
            final long end = streamStart[slot]
                    + RecordLayout.framedLength(sourceStart[slot], length[slot], RecordFormat.overhead(tls13));
            if (end > streamOffset) {
                return;
            }
            inner[slot] = null;
            keys[slot] = null;
            generation[slot]++;
            head[id] = (head[id] + 1) % BODIES_PER_CONNECTION;
            count[id]--;
        }
    }

    public long stagingCopyBytes() {
        return stagingCopyBytes;
    }

    public long recordsSealed() {
        return recordsSealed;
    }

    /** Of {@link #recordsSealed}, those sealed straight into their frame. */
    public long recordsSealedIntoFrames() {
        return recordsSealedIntoFrames;
    }

    public long slicesEncrypted() {
        return slicesEncrypted;
    }

    public long cacheHits() {
        return cacheHits;
    }
}
