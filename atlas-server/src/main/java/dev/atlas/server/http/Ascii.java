package dev.atlas.server.http;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/** Byte-level helpers for ASCII protocol text held in memory segments; no allocation. */
final class Ascii {
    static final byte CR = '\r';
    static final byte LF = '\n';
    static final byte SP = ' ';
    static final byte HTAB = '\t';
    static final byte COLON = ':';
    static final byte COMMA = ',';
    static final byte DEL = 0x7F;
    private static final int CASE_BIT = 0x20;

    /** tchar of RFC 9110 §5.6.2: the bytes allowed in methods and header names. */
    private static final boolean[] TOKEN = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true;
            TOKEN[c - CASE_BIT] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TOKEN[c] = true;
        }
    }

    private Ascii() {}

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static int at(MemorySegment s, long index) {
        return s.get(ValueLayout.JAVA_BYTE, index) & 0xFF;
    }

    static boolean isToken(int b) {
        return TOKEN[b & 0xFF];
    }

    static boolean isDigit(int b) {
        return b >= '0' && b <= '9';
    }

    static boolean isWhitespace(int b) {
        return b == SP || b == HTAB;
    }

    /** Bytes allowed in a header value: field-vchar, obs-text, SP and HTAB (RFC 9110 §5.5). */
    static boolean isFieldValue(int b) {
        return (b >= SP && b != DEL) || b == HTAB;
    }

    static int lower(int b) {
        return b >= 'A' && b <= 'Z' ? b | CASE_BIT : b;
    }

    /** Value of a hex digit, or -1. */
    static int hex(int b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        int l = lower(b);
        if (l >= 'a' && l <= 'f') {
            return l - 'a' + 10;
        }
        return -1;
    }

    /** Case-insensitive comparison of {@code length} bytes at {@code offset} with a lower-case constant. */
    static boolean equalsIgnoreCase(MemorySegment s, long offset, int length, byte[] lowerCase) {
        if (length != lowerCase.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (lower(at(s, offset + i)) != lowerCase[i]) {
                return false;
            }
        }
        return true;
    }

    /** Case-sensitive comparison of {@code length} bytes at {@code offset} with a constant. */
    static boolean equals(MemorySegment s, long offset, int length, byte[] constant) {
        if (length != constant.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (at(s, offset + i) != (constant[i] & 0xFF)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the bytes at {@code offset} start with the lower-case constant, ignoring case. */
    static boolean startsWithIgnoreCase(MemorySegment s, long offset, int length, byte[] lowerCase) {
        return length >= lowerCase.length && equalsIgnoreCase(s, offset, lowerCase.length, lowerCase);
    }
}
