package dev.atlas.catalogue;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One file of the catalogue: its name (a UTF-8 path), where its single contiguous extent lives,
 * and what the server needs to answer for it (length, content type, SHA-256, ETag, mtime).
 *
 * @param name         path-like name, at most 1 KiB of UTF-8
 * @param device       index of the device in the set that holds the extent
 * @param firstLba     first catalogue block (4 KiB) of the extent
 * @param length       length in bytes; the extent is {@code ceil(length / blockSize)} blocks
 * @param contentType  MIME type, see {@link ContentTypes}
 * @param sha256       32-byte digest of the content
 * @param etag         strong, quoted ETag derived from the digest
 * @param mtimeMillis  modification time of the imported source, epoch milliseconds
 */
public record CatalogueEntry(
        String name,
        int device,
        long firstLba,
        long length,
        String contentType,
        byte[] sha256,
        String etag,
        long mtimeMillis) {

    private static final int ETAG_DIGEST_BYTES = 16;

    /** Number of blocks the extent occupies. */
    public long blocks(int blockSize) {
        return (length + blockSize - 1) / blockSize;
    }

    public String sha256Hex() {
        return HexFormat.of().formatHex(sha256);
    }

    /** The ETag the catalogue stores for a digest: the first 128 bits in hex, quoted. */
    public static String etagFor(byte[] sha256) {
        return '"' + HexFormat.of().formatHex(sha256, 0, ETAG_DIGEST_BYTES) + '"';
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CatalogueEntry e
                && name.equals(e.name)
                && device == e.device
                && firstLba == e.firstLba
                && length == e.length
                && contentType.equals(e.contentType)
                && Arrays.equals(sha256, e.sha256)
                && etag.equals(e.etag)
                && mtimeMillis == e.mtimeMillis;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(sha256);
    }

    @Override
    public String toString() {
        return name + " (" + length + " bytes, device " + device + " LBA " + firstLba + ", sha256 " + sha256Hex() + ")";
    }
}
