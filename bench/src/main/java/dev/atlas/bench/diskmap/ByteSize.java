package dev.atlas.bench.diskmap;

import picocli.CommandLine;

/** Parses sizes such as {@code 512}, {@code 16k}, {@code 1m}, {@code 4g} (powers of 1024). */
public final class ByteSize implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        return parse(value);
    }

    public static long parse(String value) {
        String text = value.trim().toLowerCase(java.util.Locale.ROOT);
        if (text.endsWith("ib")) {
            text = text.substring(0, text.length() - 2);
        } else if (text.endsWith("b")) {
            text = text.substring(0, text.length() - 1);
        }
        int shift = 0;
        if (!text.isEmpty()) {
            switch (text.charAt(text.length() - 1)) {
                case 'k' -> shift = 10;
                case 'm' -> shift = 20;
                case 'g' -> shift = 30;
                case 't' -> shift = 40;
                default -> shift = 0;
            }
        }
        String digits = shift == 0 ? text : text.substring(0, text.length() - 1);
        try {
            long number = Long.parseLong(digits);
            if (number <= 0) {
                throw new CommandLine.TypeConversionException("size must be positive: " + value);
            }
            return number << shift;
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("not a size (like 16k, 4g): " + value);
        }
    }

    /** {@code 16384 → "16k"} for fio's --bs and for tables. */
    public static String format(long bytes) {
        if (bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "g";
        }
        if (bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "m";
        }
        if (bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "k";
        }
        return Long.toString(bytes);
    }
}
