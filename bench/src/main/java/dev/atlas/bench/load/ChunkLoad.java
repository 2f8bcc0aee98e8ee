package dev.atlas.bench.load;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ChunkLoad}: {@code --connections} keep-alive connections to one server, each asking for
 * random files of a {@link Manifest} one after another for {@code --seconds}, hashing every body
 * and comparing it with the manifest. One thread, one selector: thousands of connections cost
 * little. Prints one {@code key=value} per line: requests, bytes, corrupt bodies, errors,
 * timeouts, latency percentiles and Jain's fairness index of per-connection throughput.
 */
@Command(
        name = "chunk-load",
        mixinStandardHelpOptions = true,
        description =
                "Many keep-alive connections fetching random catalogue files; every body checked against its SHA-256.")
public final class ChunkLoad implements Callable<Integer> {
    private static final int HEAD_LIMIT = 8192;
    private static final byte[] HEAD_END = {'\r', '\n', '\r', '\n'};

    @Option(names = "--server", required = true, description = "host:port of the server.")
    String server;

    @Option(names = "--manifest", required = true, description = "Files to ask for: name, length, SHA-256 per line.")
    Path manifestFile;

    @Option(
            names = "--connections",
            defaultValue = "100",
            description = "Concurrent connections; default ${DEFAULT-VALUE}.")
    int connections;

    @Option(
            names = "--seconds",
            defaultValue = "10",
            description = "How long new requests are started; default ${DEFAULT-VALUE}.")
    int seconds;

    @Option(
            names = "--timeout-seconds",
            defaultValue = "30",
            description = "A request not finished after this long counts as a timeout; default ${DEFAULT-VALUE}.")
    int timeoutSeconds;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the file choice; default ${DEFAULT-VALUE}.")
    long seed;

    private Manifest manifest;
    private SplittableRandom random;
    private final Histogram latencyMicros = new Histogram(TimeUnit.SECONDS.toMicros(600), 3);
    private long requests;
    private long bodyBytes;
    private long corrupt;
    private long errors;
    private long timeouts;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ChunkLoad()).execute(args));
    }

    /** One connection's state: the request it is on and what it has read of the answer. */
    private final class Client {
        final int index;
        final SocketChannel channel;
        final MessageDigest digest;
        final ByteBuffer head = ByteBuffer.allocate(HEAD_LIMIT);
        ByteBuffer request;
        Manifest.Item item;
        long started;
        long remaining = -1;
        long bytes;
        boolean closed;

        Client(int index, SocketChannel channel) throws NoSuchAlgorithmException {
            this.index = index;
            this.channel = channel;
            this.digest = MessageDigest.getInstance("SHA-256");
        }

        void next(long now) {
            item = manifest.items().get(random.nextInt(manifest.items().size()));
            request = ByteBuffer.wrap(
                    ("GET /" + item.name() + " HTTP/1.1\r\nHost: atlas\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            started = now;
            remaining = -1;
            head.clear();
            digest.reset();
        }
    }

    @Override
    public Integer call() throws Exception {
        manifest = Manifest.read(manifestFile);
        random = new SplittableRandom(seed);
        final int colon = server.lastIndexOf(':');
        final InetSocketAddress address =
                new InetSocketAddress(server.substring(0, colon), Integer.parseInt(server.substring(colon + 1)));
        final long start = System.nanoTime();
        final long stopStarting = start + TimeUnit.SECONDS.toNanos(seconds);
        final long timeoutNanos = TimeUnit.SECONDS.toNanos(timeoutSeconds);
        final long[] perConnectionBytes = new long[connections];
        final Client[] clients = new Client[connections];
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < connections; i++) {
                final SocketChannel channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                final Client client = new Client(i, channel);
                clients[i] = client;
                channel.connect(address);
                client.next(System.nanoTime());
                channel.register(selector, SelectionKey.OP_CONNECT, client);
            }
            int open = connections;
            final ByteBuffer body = ByteBuffer.allocateDirect(1 << 20);
            while (open > 0) {
                selector.select(100);
                final long now = System.nanoTime();
                final Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    final SelectionKey key = keys.next();
                    keys.remove();
                    final Client c = (Client) key.attachment();
                    try {
                        if (key.isConnectable() && c.channel.finishConnect()) {
                            key.interestOps(SelectionKey.OP_WRITE);
                        }
                        if (key.isValid() && key.isWritable()) {
                            c.channel.write(c.request);
                            if (!c.request.hasRemaining()) {
                                key.interestOps(SelectionKey.OP_READ);
                            }
                        }
                        if (key.isValid() && key.isReadable() && read(c, body, now)) {
                            requests++;
                            perConnectionBytes[c.index] += c.item.length();
                            latencyMicros.recordValue(Math.max(1, (now - c.started) / 1000));
                            if (now < stopStarting) {
                                c.next(now);
                                key.interestOps(SelectionKey.OP_WRITE);
                            } else {
                                close(c);
                                open--;
                            }
                        }
                    } catch (IOException e) {
                        errors++;
                        close(c);
                        open--;
                    }
                }
                for (Client c : clients) {
                    if (!c.closed && now - c.started > timeoutNanos) {
                        timeouts++;
                        close(c);
                        open--;
                    }
                }
            }
        }
        final double elapsed = (System.nanoTime() - start) / 1e9;
        report(System.out, elapsed, perConnectionBytes);
        return corrupt == 0 && errors == 0 && timeouts == 0 ? 0 : 1;
    }

    /** Reads what has arrived; true once the whole response is in and checked. */
    private boolean read(Client c, ByteBuffer body, long now) throws IOException {
        while (true) {
            if (c.remaining < 0) {
                final int n = c.channel.read(c.head);
                if (n < 0) {
                    throw new IOException("connection closed by the server before a response head");
                }
                final int end = indexOf(c.head.array(), c.head.position(), HEAD_END);
                if (end < 0) {
                    if (!c.head.hasRemaining()) {
                        throw new IOException("response head longer than " + HEAD_LIMIT + " bytes");
                    }
                    return false;
                }
                final String head = new String(c.head.array(), 0, end, StandardCharsets.ISO_8859_1);
                if (!head.startsWith("HTTP/1.1 200 ")) {
                    throw new IOException("GET /" + c.item.name() + ": "
                            + head.lines().findFirst().orElse(""));
                }
                c.remaining = contentLength(head);
                if (c.remaining != c.item.length()) {
                    corrupt++;
                }
                final int bodyStart = end + HEAD_END.length;
                final int already = c.head.position() - bodyStart;
                c.digest.update(c.head.array(), bodyStart, already);
                c.remaining -= already;
                bodyBytes += already;
            } else {
                body.clear();
                body.limit((int) Math.min(body.capacity(), Math.max(1, c.remaining)));
                final int n = c.channel.read(body);
                if (n < 0) {
                    throw new IOException("connection closed by the server in the middle of a body");
                }
                if (n == 0) {
                    return false;
                }
                body.flip();
                c.digest.update(body);
                c.remaining -= n;
                bodyBytes += n;
            }
            if (c.remaining == 0) {
                if (!Arrays.equals(c.digest.digest(), c.item.sha256())) {
                    corrupt++;
                }
                return true;
            }
            if (c.remaining < 0) {
                throw new IOException("more bytes than Content-Length for /" + c.item.name());
            }
        }
    }

    private static long contentLength(String head) throws IOException {
        for (String line : head.split("\r\n")) {
            final int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                return Long.parseLong(line.substring(colon + 1).trim());
            }
        }
        throw new IOException("response without Content-Length");
    }

    private static int indexOf(byte[] bytes, int limit, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= limit; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (bytes[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void close(Client c) {
        c.closed = true;
        try {
            c.channel.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    private void report(PrintStream out, double elapsedSeconds, long[] perConnectionBytes) {
        double sum = 0;
        double squares = 0;
        long idle = 0;
        for (long b : perConnectionBytes) {
            sum += b;
            squares += (double) b * b;
            if (b == 0) {
                idle++;
            }
        }
        final double jain = squares == 0 ? 0 : sum * sum / (perConnectionBytes.length * squares);
        out.println("connections=" + connections);
        out.println("seconds=" + String.format("%.2f", elapsedSeconds));
        out.println("requests=" + requests);
        out.println("body_bytes=" + bodyBytes);
        out.println("gbit_per_second=" + String.format("%.3f", bodyBytes * 8 / elapsedSeconds / 1e9));
        out.println("corrupt=" + corrupt);
        out.println("errors=" + errors);
        out.println("timeouts=" + timeouts);
        out.println("connections_without_a_response=" + idle);
        out.println("latency_p50_ms=" + String.format("%.1f", latencyMicros.getValueAtPercentile(50) / 1000.0));
        out.println("latency_p99_ms=" + String.format("%.1f", latencyMicros.getValueAtPercentile(99) / 1000.0));
        out.println("latency_max_ms=" + String.format("%.1f", latencyMicros.getMaxValue() / 1000.0));
        out.println("jain_fairness=" + String.format("%.4f", jain));
    }
}
