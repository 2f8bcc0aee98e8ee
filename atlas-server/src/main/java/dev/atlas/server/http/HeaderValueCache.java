package dev.atlas.server.http;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Header values the catalogue stores as strings (content types from
 * {@code dev.atlas.catalogue.ContentTypes}, entity tags) encoded to ASCII once, so response
 * heads copy bytes. A lookup of a value seen before does not allocate (String caches its hash).
 * One per lane (not thread-safe); it grows with the distinct values served, which the
 * catalogue bounds.
 */
public final class HeaderValueCache {
    private static final byte REPLACEMENT = '?';

    private final Map<String, byte[]> encoded = new HashMap<>();

    /**
     * The value as ASCII bytes. Characters outside ASCII and control characters become '?':
     * a header value may carry neither, and a CR or LF from a bad catalogue entry must never
     * split the response head.
     */
    public byte[] bytes(String value) {
        byte[] bytes = encoded.get(value);
        if (bytes == null) {
            bytes = value.getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < bytes.length; i++) {
                if (!Ascii.isFieldValue(bytes[i] & 0xFF) || bytes[i] == Ascii.HTAB) {
                    bytes[i] = REPLACEMENT;
                }
            }
            encoded.put(value, bytes);
        }
        return bytes;
    }

    public int size() {
        return encoded.size();
    }
}
