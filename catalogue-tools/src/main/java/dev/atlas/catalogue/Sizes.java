package dev.atlas.catalogue;

import java.util.Locale;

/** Byte counts for people: binary units, three significant digits; parsing of "10G"-style sizes. */
public final class Sizes {

    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

    private Sizes() {}

    public static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(
                Locale.ROOT, value >= 100 ? "%.0f %s" : value >= 10 ? "%.1f %s" : "%.2f %s", value, UNITS[unit]);
    }

    /**
     * Parses "4096", "64K", "512M", "2G", "1T" (binary multiples, optional "iB"/"B").
     *
     * @throws IllegalArgumentException with an operator message
     */
    public static long parse(String text) {
        final String s = text.trim().toUpperCase(Locale.ROOT).replace("IB", "").replace("B", "");
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty size");
        }
        final char last = s.charAt(s.length() - 1);
        final int shift = switch (last) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            case 'T' -> 40;
            default -> 0;
        };
        final String digits = shift == 0 ? s : s.substring(0, s.length() - 1);
        try {
            final long value = Long.parseLong(digits);
            if (value < 0 || value > (Long.MAX_VALUE >> shift)) {
                throw new IllegalArgumentException("size out of range: " + text);
            }
            return value << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: '" + text + "' (use e.g. 512M, 2G)");
        }
    }
}
