package dev.atlas.server.http;

import static dev.atlas.server.http.Ascii.at;

import java.lang.foreign.MemorySegment;

/**
 * HTTP dates (RFC 9110 §5.6.7) without {@code java.time} and without allocation: formats
 * IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") for Date and Last-Modified, and parses all
 * three forms a recipient must accept (IMF-fixdate, RFC 850, asctime) for If-Modified-Since.
 * Day counts use the proleptic Gregorian calendar in closed form (days since 1970-01-01).
 */
public final class HttpDate {
    /** Length of an IMF-fixdate. */
    public static final int LENGTH = 29;
    /** Returned by {@link #parse} for text that is not an HTTP date. */
    public static final long INVALID = Long.MIN_VALUE;

    private static final byte[][] DAY_NAMES = names("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat");
    private static final byte[][] LONG_DAY_NAMES =
            names("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday");
    private static final byte[][] MONTH_NAMES =
            names("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec");
    private static final byte[] GMT = Ascii.bytes("GMT");

    private static final long SECONDS_PER_DAY = 86_400;
    private static final int SECONDS_PER_HOUR = 3600;
    private static final int SECONDS_PER_MINUTE = 60;
    private static final int DAYS_PER_WEEK = 7;
    /** 1970-01-01 was a Thursday. */
    private static final int WEEKDAY_OF_EPOCH = 4;

    private static final int DAYS_PER_ERA = 146_097;
    private static final int YEARS_PER_ERA = 400;
    /** Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar. */
    private static final int EPOCH_SHIFT_DAYS = 719_468;

    private static final int MAX_YEAR = 9999;
    /** Two-digit RFC 850 years below this are in the 2000s (RFC 9110's 50-year rule, fixed pivot). */
    private static final int TWO_DIGIT_YEAR_PIVOT = 70;

    // Positions inside an IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
    private static final int FIX_DAY = 5;
    private static final int FIX_MONTH = 8;
    private static final int FIX_YEAR = 12;
    private static final int FIX_TIME = 17;
    private static final int FIX_ZONE = 26;
    private static final int MONTH_LENGTH = 3;
    private static final int YEAR4_LENGTH = 4;
    /** "08:49:37" */
    private static final int TIME_LENGTH = 8;
    /** Positions inside an asctime date: "Sun Nov  6 08:49:37 1994". */
    private static final int ASCTIME_LENGTH = 24;

    private static final int ASC_MONTH = 4;
    private static final int ASC_DAY = 8;
    private static final int ASC_TIME = 11;
    private static final int ASC_YEAR = 20;

    private HttpDate() {}

    private static byte[][] names(String... names) {
        byte[][] encoded = new byte[names.length][];
        for (int i = 0; i < names.length; i++) {
            encoded[i] = Ascii.bytes(names[i]);
        }
        return encoded;
    }

    /**
     * Writes the IMF-fixdate of {@code epochSecond} (years 0–9999; clamped outside) as 29 bytes.
     * Plain array stores only: this runs once a second, too rarely for the JIT to optimise it,
     * so it must not allocate even when interpreted.
     */
    public static void format(long epochSecond, byte[] out, int offset) {
        long seconds =
                Math.clamp(epochSecond, toEpochSecond(0, 1, 1, 0, 0, 0), toEpochSecond(MAX_YEAR, 12, 31, 23, 59, 59));
        long days = Math.floorDiv(seconds, SECONDS_PER_DAY);
        int secondOfDay = (int) Math.floorMod(seconds, SECONDS_PER_DAY);
        int weekday = (int) Math.floorMod(days + WEEKDAY_OF_EPOCH, DAYS_PER_WEEK);

        long shifted = days + EPOCH_SHIFT_DAYS;
        long era = Math.floorDiv(shifted, DAYS_PER_ERA);
        int dayOfEra = (int) (shifted - era * DAYS_PER_ERA);
        int yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / (DAYS_PER_ERA - 1)) / 365;
        int dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        int marchMonth = (5 * dayOfYear + 2) / 153;
        int day = dayOfYear - (153 * marchMonth + 2) / 5 + 1;
        int month = marchMonth < 10 ? marchMonth + 3 : marchMonth - 9;
        long year = yearOfEra + era * YEARS_PER_ERA + (month <= 2 ? 1 : 0);

        int p = offset;
        p = put(out, p, DAY_NAMES[weekday]);
        out[p++] = ',';
        out[p++] = Ascii.SP;
        p = twoDigits(out, p, day);
        out[p++] = Ascii.SP;
        p = put(out, p, MONTH_NAMES[month - 1]);
        out[p++] = Ascii.SP;
        p = twoDigits(out, p, (int) (year / 100));
        p = twoDigits(out, p, (int) (year % 100));
        out[p++] = Ascii.SP;
        p = twoDigits(out, p, secondOfDay / SECONDS_PER_HOUR);
        out[p++] = ':';
        p = twoDigits(out, p, secondOfDay % SECONDS_PER_HOUR / SECONDS_PER_MINUTE);
        out[p++] = ':';
        p = twoDigits(out, p, secondOfDay % SECONDS_PER_MINUTE);
        out[p++] = Ascii.SP;
        put(out, p, GMT);
    }

    /** Seconds since the epoch of a UTC civil time; fields are not range-checked. */
    public static long toEpochSecond(long year, int month, int day, int hour, int minute, int second) {
        long y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, YEARS_PER_ERA);
        int yearOfEra = (int) (y - era * YEARS_PER_ERA);
        int dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        long days = era * DAYS_PER_ERA + dayOfEra - EPOCH_SHIFT_DAYS;
        return days * SECONDS_PER_DAY + (long) hour * SECONDS_PER_HOUR + (long) minute * SECONDS_PER_MINUTE + second;
    }

    /**
     * Parses an HTTP date: IMF-fixdate, RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") or asctime
     * ("Sun Nov  6 08:49:37 1994"). Returns epoch seconds, or {@link #INVALID}.
     */
    public static long parse(MemorySegment text, long offset, int length) {
        if (length == LENGTH && at(text, offset + 3) == ',') {
            return imfFixdate(text, offset);
        }
        if (length == ASCTIME_LENGTH) {
            return asctime(text, offset);
        }
        return rfc850(text, offset, length);
    }

    private static long imfFixdate(MemorySegment t, long o) {
        if (nameIndex(t, o, DAY_NAMES) < 0
                || at(t, o + 4) != Ascii.SP
                || at(t, o + FIX_DAY + 2) != Ascii.SP
                || at(t, o + FIX_MONTH + MONTH_LENGTH) != Ascii.SP
                || at(t, o + FIX_YEAR + YEAR4_LENGTH) != Ascii.SP
                || at(t, o + FIX_TIME + TIME_LENGTH) != Ascii.SP
                || !Ascii.equals(t, o + FIX_ZONE, GMT.length, GMT)) {
            return INVALID;
        }
        return civil(
                digits(t, o + FIX_YEAR, YEAR4_LENGTH),
                nameIndex(t, o + FIX_MONTH, MONTH_NAMES) + 1,
                digits(t, o + FIX_DAY, 2),
                t,
                o + FIX_TIME);
    }

    private static long asctime(MemorySegment t, long o) {
        if (nameIndex(t, o, DAY_NAMES) < 0
                || at(t, o + 3) != Ascii.SP
                || at(t, o + ASC_MONTH + MONTH_LENGTH) != Ascii.SP
                || at(t, o + ASC_TIME - 1) != Ascii.SP
                || at(t, o + ASC_YEAR - 1) != Ascii.SP) {
            return INVALID;
        }
        int day = at(t, o + ASC_DAY) == Ascii.SP ? digits(t, o + ASC_DAY + 1, 1) : digits(t, o + ASC_DAY, 2);
        return civil(
                digits(t, o + ASC_YEAR, YEAR4_LENGTH),
                nameIndex(t, o + ASC_MONTH, MONTH_NAMES) + 1,
                day,
                t,
                o + ASC_TIME);
    }

    private static long rfc850(MemorySegment t, long o, int length) {
        int dayName = longDayNameLength(t, o, length);
        // ", 06-Nov-94 08:49:37 GMT" follows the day name.
        final int restLength = 24;
        if (dayName < 0 || length != dayName + restLength) {
            return INVALID;
        }
        long p = o + dayName;
        if (at(t, p) != ','
                || at(t, p + 1) != Ascii.SP
                || at(t, p + 4) != '-'
                || at(t, p + 8) != '-'
                || at(t, p + 11) != Ascii.SP
                || at(t, p + 20) != Ascii.SP
                || !Ascii.equals(t, p + 21, GMT.length, GMT)) {
            return INVALID;
        }
        int twoDigitYear = digits(t, p + 9, 2);
        if (twoDigitYear < 0) {
            return INVALID;
        }
        int year = twoDigitYear < TWO_DIGIT_YEAR_PIVOT ? 2000 + twoDigitYear : 1900 + twoDigitYear;
        return civil(year, nameIndex(t, p + 5, MONTH_NAMES) + 1, digits(t, p + 2, 2), t, p + 12);
    }

    /** Checks the fields and reads "hh:mm:ss" at {@code time}. */
    private static long civil(int year, int month, int day, MemorySegment t, long time) {
        if (at(t, time + 2) != ':' || at(t, time + 5) != ':') {
            return INVALID;
        }
        int hour = digits(t, time, 2);
        int minute = digits(t, time + 3, 2);
        int second = digits(t, time + 6, 2);
        if (year < 0
                || month < 1
                || day < 1
                || day > 31
                || hour < 0
                || hour > 23
                || minute < 0
                || minute > 59
                || second < 0
                || second > 60) {
            return INVALID;
        }
        // A leap second reads as the last second of its minute.
        return toEpochSecond(year, month, day, hour, minute, Math.min(second, 59));
    }

    private static int digits(MemorySegment t, long from, int count) {
        int value = 0;
        for (int i = 0; i < count; i++) {
            int b = at(t, from + i);
            if (!Ascii.isDigit(b)) {
                return -1;
            }
            value = value * 10 + (b - '0');
        }
        return value;
    }

    private static int nameIndex(MemorySegment t, long offset, byte[][] names) {
        for (int i = 0; i < names.length; i++) {
            if (Ascii.equals(t, offset, names[i].length, names[i])) {
                return i;
            }
        }
        return -1;
    }

    private static int longDayNameLength(MemorySegment t, long offset, int length) {
        for (byte[] name : LONG_DAY_NAMES) {
            if (length >= name.length && Ascii.equals(t, offset, name.length, name)) {
                return name.length;
            }
        }
        return -1;
    }

    private static int put(byte[] out, int p, byte[] bytes) {
        System.arraycopy(bytes, 0, out, p, bytes.length);
        return p + bytes.length;
    }

    private static int twoDigits(byte[] out, int p, int value) {
        out[p] = (byte) ('0' + value / 10);
        out[p + 1] = (byte) ('0' + value % 10);
        return p + 2;
    }
}
