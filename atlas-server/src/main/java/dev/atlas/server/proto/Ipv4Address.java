package dev.atlas.server.proto;

/** IPv4 addresses as {@code int}s in network order of significance: parse, format, subnets. */
public final class Ipv4Address {
    public static final int ANY = 0;
    public static final int LIMITED_BROADCAST = 0xFFFF_FFFF;
    private static final int OCTETS = 4;
    private static final int BITS = 32;

    private Ipv4Address() {}

    /** Parses dotted-quad text; throws with an operator sentence if malformed. */
    public static int parse(String text) {
        String[] parts = text.trim().split("\\.", -1);
        if (parts.length != OCTETS) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address; write it as 198.18.0.2");
        }
        int address = 0;
        for (String part : parts) {
            int octet;
            try {
                octet = Integer.parseInt(part);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address; write it as 198.18.0.2", e);
            }
            if (octet < 0 || octet > 255 || part.isEmpty()) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address; each part must be 0..255");
            }
            address = (address << 8) | octet;
        }
        return address;
    }

    public static String format(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "."
                + (address & 0xFF);
    }

    /** Network mask for a prefix length 0..32. */
    public static int mask(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (BITS - prefixLength);
    }

    public static boolean sameSubnet(int a, int b, int prefixLength) {
        return ((a ^ b) & mask(prefixLength)) == 0;
    }
}
