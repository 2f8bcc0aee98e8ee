package dev.atlas.server.tls;

/** Big-endian writes of the record header's fields into a byte array (no allocation). */
final class RecordWriter {
    private RecordWriter() {}

    /** A record header: {@code type}, the legacy version, {@code length} bytes following it. */
    static void header(byte[] out, byte type, int length) {
        out[RecordFormat.TYPE_OFFSET] = type;
        out[RecordFormat.VERSION_OFFSET] = (byte) (RecordFormat.LEGACY_VERSION >>> 8);
        out[RecordFormat.VERSION_OFFSET + 1] = (byte) RecordFormat.LEGACY_VERSION;
        out[RecordFormat.LENGTH_OFFSET] = (byte) (length >>> 8);
        out[RecordFormat.LENGTH_OFFSET + 1] = (byte) length;
    }

    static void putLong(byte[] out, int at, long value) {
        for (int i = 0; i < Long.BYTES; i++) {
            out[at + i] = (byte) (value >>> (8 * (Long.BYTES - 1 - i)));
        }
    }
}
