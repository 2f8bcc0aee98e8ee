package dev.atlas.catalogue.format;

/**
 * Layout of one index entry: a fixed part of {@link #FIXED_LENGTH} bytes followed by the name,
 * the content type and the ETag (UTF-8/ASCII, in that order), padded with zeros to an
 * {@link #ALIGNMENT}-byte boundary; {@code entry length} includes the padding.
 *
 * <pre>
 *   0 entry length    4 name length     6 content-type length   8 ETag length   10 flags (zero)
 *  12 device index   16 first LBA      24 byte length          32 mtime (epoch ms)
 *  40 SHA-256 (32 bytes)               72 name, content type, ETag, padding
 * </pre>
 */
public final class IndexEntryDescriptor {

    public static final int ENTRY_LENGTH_OFFSET = 0;
    public static final int NAME_LENGTH_OFFSET = 4;
    public static final int CONTENT_TYPE_LENGTH_OFFSET = 6;
    public static final int ETAG_LENGTH_OFFSET = 8;
    public static final int FLAGS_OFFSET = 10;
    public static final int DEVICE_OFFSET = 12;
    public static final int FIRST_LBA_OFFSET = 16;
    public static final int BYTE_LENGTH_OFFSET = 24;
    public static final int MTIME_OFFSET = 32;
    public static final int SHA256_OFFSET = 40;
    public static final int SHA256_LENGTH = 32;
    public static final int VARIABLE_OFFSET = 72;
    public static final int FIXED_LENGTH = VARIABLE_OFFSET;
    public static final int ALIGNMENT = 8;

    /** Longest name in UTF-8 bytes (design: names are paths of at most 1 KiB). */
    public static final int MAX_NAME_BYTES = 1024;

    public static final int MAX_CONTENT_TYPE_BYTES = 255;
    public static final int MAX_ETAG_BYTES = 255;
    public static final int MAX_ENTRY_LENGTH =
            align(FIXED_LENGTH + MAX_NAME_BYTES + MAX_CONTENT_TYPE_BYTES + MAX_ETAG_BYTES);

    private IndexEntryDescriptor() {}

    /** Length of an entry with these variable parts, padding included. */
    public static int entryLength(int nameBytes, int contentTypeBytes, int etagBytes) {
        return align(FIXED_LENGTH + nameBytes + contentTypeBytes + etagBytes);
    }

    static int align(int length) {
        return (length + ALIGNMENT - 1) & -ALIGNMENT;
    }
}
