package dev.atlas.server.tls;

/**
 * Where the records of a response body lie, computed rather than remembered: a body of
 * {@code length} plaintext bytes that starts at source byte {@code sourceStart} is cut at the
 * multiples of {@link RecordFormat#MAX_PLAINTEXT} of the source's own address space — the same
 * grid the drive reads use ({@code ChunkLayout}), so a record never spans two reads and is
 * sealed whole from its chunk (one read may bring in several). Only the first record can be
 * shorter (the body starts inside a grid cell) and the last (it ends inside one). Record {@code k} takes sequence number {@code baseSeq + k}, so
 * from any byte of the framed body the record, its nonce and the byte's place in it follow.
 *
 * <p>Pure arithmetic on {@code long}s: no state, no allocation.
 */
public final class RecordLayout {
    private static final int RECORD = RecordFormat.MAX_PLAINTEXT;

    private RecordLayout() {}

    /** Plaintext bytes of the first record. */
    public static long firstLength(long sourceStart, long length) {
        return Math.min(length, RECORD - Math.floorMod(sourceStart, RECORD));
    }

    /** Records the body takes. */
    public static long records(long sourceStart, long length) {
        if (length <= 0) {
            return 0;
        }
        final long rest = length - firstLength(sourceStart, length);
        return 1 + (rest + RECORD - 1) / RECORD;
    }

    /** Bytes the body takes on the wire, records' headers, nonces, content types and tags included. */
    public static long framedLength(long sourceStart, long length, int overhead) {
        return length + records(sourceStart, length) * overhead;
    }

    /** Offset in the plaintext body of record {@code k}'s first byte. */
    public static long plaintextStart(long sourceStart, long length, long k) {
        return k == 0 ? 0 : firstLength(sourceStart, length) + (k - 1) * RECORD;
    }

    /** Plaintext bytes of record {@code k}. */
    public static int plaintextLength(long sourceStart, long length, long k) {
        final long start = plaintextStart(sourceStart, length, k);
        final long cell = k == 0 ? firstLength(sourceStart, length) : RECORD;
        return (int) Math.min(cell, length - start);
    }

    /** Offset in the framed body of record {@code k}'s header. */
    public static long framedStart(long sourceStart, long length, long k, int overhead) {
        return plaintextStart(sourceStart, length, k) + k * overhead;
    }

    /** The record that framed byte {@code framedOffset} belongs to. */
    public static long recordAt(long sourceStart, long length, long framedOffset, int overhead) {
        final long first = firstLength(sourceStart, length) + overhead;
        if (framedOffset < first) {
            return 0;
        }
        return 1 + (framedOffset - first) / (RECORD + overhead);
    }
}
