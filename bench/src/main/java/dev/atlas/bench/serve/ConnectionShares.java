package dev.atlas.bench.serve;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Per-connection throughput on the client, for fairness: wrk's Lua callbacks are told nothing about
 * which connection a response came on, so the bytes each connection received are read from the
 * client kernel's own per-socket counter ({@code tcp_info.bytes_received}, via {@code ss -ti}) at
 * two moments of a run; the difference per socket is that connection's share.
 */
final class ConnectionShares {
    private static final Pattern BYTES_RECEIVED = Pattern.compile("bytes_received:(\\d+)");
    private static final Pattern ENDPOINT = Pattern.compile("\\S+:\\d+");

    private ConnectionShares() {}

    /** Established sockets of {@code namespace} → bytes received so far, keyed by local address:port. */
    static Map<String, Long> snapshot(String namespace) throws IOException, InterruptedException {
        final Process ss = new ProcessBuilder("ip", "netns", "exec", namespace, "ss", "-tinH", "state", "established")
                .redirectErrorStream(true)
                .start();
        final String out = new String(ss.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!ss.waitFor(30, TimeUnit.SECONDS) || ss.exitValue() != 0) {
            throw new IOException("ss in " + namespace + " failed: " + out.strip());
        }
        return parse(out);
    }

    /** Parses {@code ss -tinH state established}: a line per socket, then an indented line of its tcp_info. */
    static Map<String, Long> parse(String ssOutput) {
        final Map<String, Long> received = new HashMap<>();
        String socket = null;
        for (String line : ssOutput.lines().toList()) {
            if (line.isBlank()) {
                continue;
            }
            if (!Character.isWhitespace(line.charAt(0))) {
                final Matcher endpoint = ENDPOINT.matcher(line);
                socket = endpoint.find() ? endpoint.group() : null;
                if (socket != null) {
                    received.put(socket, 0L);
                }
            } else if (socket != null) {
                final Matcher bytes = BYTES_RECEIVED.matcher(line);
                if (bytes.find()) {
                    received.put(socket, Long.parseLong(bytes.group(1)));
                }
            }
        }
        return received;
    }

    /** Bytes each connection received between the snapshots, over the sockets present in both. */
    static List<Long> between(Map<String, Long> before, Map<String, Long> after) {
        final List<Long> shares = new ArrayList<>();
        for (Map.Entry<String, Long> e : after.entrySet()) {
            final Long start = before.get(e.getKey());
            if (start != null) {
                shares.add(Math.max(0, e.getValue() - start));
            }
        }
        return shares;
    }

    /** Jain's fairness index (Σx)² / (n·Σx²): 1 when all are equal, 1/n when one gets everything; NaN when empty. */
    static double jainIndex(List<Long> shares) {
        double sum = 0;
        double squares = 0;
        for (long x : shares) {
            sum += x;
            squares += (double) x * x;
        }
        if (shares.isEmpty() || squares == 0) {
            return Double.NaN;
        }
        return sum * sum / (shares.size() * squares);
    }
}
