package dev.atlas.server.proto;

import java.util.Locale;

/** MAC addresses as the low 48 bits of a {@code long}: parse and format for configuration. */
public final class MacAddress {
    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    public static final long ZERO = 0L;
    private static final int OCTETS = 6;
    private static final long GROUP_BIT = 0x0100_0000_0000L;

    private MacAddress() {}

    /** Parses {@code aa:bb:cc:dd:ee:ff} (or with dashes); throws with an operator sentence if malformed. */
    public static long parse(String text) {
        String[] parts = text.trim().split("[:-]");
        if (parts.length != OCTETS) {
            throw new IllegalArgumentException("'" + text + "' is not a MAC address; write it as aa:bb:cc:dd:ee:ff");
        }
        long mac = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 2) {
                throw new IllegalArgumentException(
                        "'" + text + "' is not a MAC address; write it as aa:bb:cc:dd:ee:ff");
            }
            try {
                mac = (mac << 8) | Integer.parseInt(part, 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "'" + text + "' is not a MAC address; write it as aa:bb:cc:dd:ee:ff", e);
            }
        }
        return mac;
    }

    public static String format(long mac) {
        StringBuilder b = new StringBuilder(17);
        for (int i = OCTETS - 1; i >= 0; i--) {
            b.append(String.format(Locale.ROOT, "%02x", (mac >>> (8 * i)) & 0xFF));
            if (i > 0) {
                b.append(':');
            }
        }
        return b.toString();
    }

    /** Multicast or broadcast (the I/G bit of the first octet). */
    public static boolean isGroup(long mac) {
        return (mac & GROUP_BIT) != 0;
    }
}
