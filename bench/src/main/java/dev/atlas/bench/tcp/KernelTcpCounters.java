package dev.atlas.bench.tcp;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Linux TCP/IP counters of one network namespace ({@code /proc/net/snmp} and
 * {@code /proc/net/netstat}, read through {@code ip netns exec}), keyed like nstat:
 * {@code TcpInRsts}, {@code TcpExtTCPAbortOnData}, {@code TcpInCsumErrors}, …
 */
public final class KernelTcpCounters {
    private final Map<String, Long> values;

    private KernelTcpCounters(Map<String, Long> values) {
        this.values = values;
    }

    /** Reads the counters of {@code namespace} now. */
    public static KernelTcpCounters read(String namespace) throws IOException, InterruptedException {
        final String text = Commands.output(
                List.of("ip", "netns", "exec", namespace, "cat", "/proc/net/snmp", "/proc/net/netstat"));
        return new KernelTcpCounters(parse(text));
    }

    /** Parses the header-line/value-line pairs of both files. */
    static Map<String, Long> parse(String text) {
        final Map<String, Long> values = new HashMap<>();
        final String[] lines = text.split("\n");
        for (int i = 0; i + 1 < lines.length; i += 2) {
            final String[] names = lines[i].trim().split("\\s+");
            final String[] numbers = lines[i + 1].trim().split("\\s+");
            if (names.length != numbers.length || !names[0].equals(numbers[0])) {
                continue;
            }
            final String prefix = names[0].substring(0, names[0].length() - 1); // "Tcp:" → "Tcp"
            for (int k = 1; k < names.length; k++) {
                try {
                    values.put(prefix + names[k], Long.parseLong(numbers[k]));
                } catch (NumberFormatException ignored) {
                    // a counter we do not understand is not one we check
                }
            }
        }
        return values;
    }

    /** The counter's value, 0 when this kernel does not have it. */
    public long get(String name) {
        return values.getOrDefault(name, 0L);
    }

    /** How much {@code name} grew since {@code before}. */
    public long since(KernelTcpCounters before, String name) {
        return get(name) - before.get(name);
    }

    /** Sum of growth over every counter whose name starts with {@code prefix}. */
    public long sinceAll(KernelTcpCounters before, String prefix) {
        long sum = 0;
        for (Map.Entry<String, Long> e : values.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                sum += e.getValue() - before.get(e.getKey());
            }
        }
        return sum;
    }
}
