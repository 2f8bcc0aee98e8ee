package dev.atlas.server.proto;

/**
 * The stack's own link and network address on one interface: its MAC, its IPv4 address (which
 * the kernel does not have) and the prefix length of the attached subnet.
 */
public record InterfaceAddress(long mac, int ipv4, int prefixLength) {

    public InterfaceAddress {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is outside 0..32");
        }
    }

    /** Parses a MAC and an {@code ADDRESS/PREFIX} such as {@code 198.18.0.2/24}. */
    public static InterfaceAddress parse(String mac, String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("'" + cidr + "' lacks a prefix length; write it as 198.18.0.2/24");
        }
        int prefix;
        try {
            prefix = Integer.parseInt(cidr.substring(slash + 1).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "'" + cidr + "' has no numeric prefix length; write it as 198.18.0.2/24", e);
        }
        return new InterfaceAddress(MacAddress.parse(mac), Ipv4Address.parse(cidr.substring(0, slash)), prefix);
    }

    /** True when {@code address} is on the attached subnet (reachable without a router). */
    public boolean onLink(int address) {
        return Ipv4Address.sameSubnet(ipv4, address, prefixLength);
    }

    @Override
    public String toString() {
        return MacAddress.format(mac) + " " + Ipv4Address.format(ipv4) + "/" + prefixLength;
    }
}
