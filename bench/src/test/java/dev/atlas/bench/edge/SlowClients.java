package dev.atlas.bench.edge;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs in the client namespace (its own JVM, so its thousands of sockets are the kernel's TCP):
 * opens {@code idle} keep-alive connections that each fetch {@code path} once and then stay
 * silent, and {@code slow} connections that send a request head one byte a second and never
 * finish it. Prints {@code holding} when all are open, then after {@code seconds} reports how
 * many slow connections were answered 408 and how many idle ones are still open.
 *
 * <p>Arguments: address port idle slow path seconds [local addresses, comma-separated].
 */
public final class SlowClients {
    private static final byte[] SLOW_HEAD =
            "GET /never-finished HTTP/1.1\r\nHost: edge\r\nX-Padding: 0123456789abcdefghijklmnopqrstuvwxyz"
                    .getBytes(StandardCharsets.US_ASCII);

    private SlowClients() {}

    public static void main(String[] args) throws Exception {
        final InetSocketAddress server = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        final int idleCount = Integer.parseInt(args[2]);
        final int slowCount = Integer.parseInt(args[3]);
        final byte[] request =
                ("GET /" + args[4] + " HTTP/1.1\r\nHost: edge\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        final long seconds = Long.parseLong(args[5]);
        final String[] locals = args.length > 6 ? args[6].split(",") : new String[0];
        final List<SocketChannel> idle = new ArrayList<>();
        final List<SocketChannel> slow = new ArrayList<>();
        final ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
        for (int i = 0; i < idleCount; i++) {
            final SocketChannel channel = open(server, locals, i);
            channel.write(ByteBuffer.wrap(request));
            readResponse(channel, buffer);
            idle.add(channel);
        }
        for (int i = 0; i < slowCount; i++) {
            final SocketChannel channel = open(server, locals, idleCount + i);
            channel.write(ByteBuffer.wrap(SLOW_HEAD, 0, 1));
            slow.add(channel);
        }
        System.out.println("holding " + idle.size() + " idle and " + slow.size() + " slow connections");
        final long end = System.nanoTime() + seconds * 1_000_000_000L;
        int sent = 1;
        while (System.nanoTime() < end) {
            Thread.sleep(1000);
            for (SocketChannel channel : slow) {
                if (channel.isOpen()) {
                    try {
                        channel.write(ByteBuffer.wrap(SLOW_HEAD, Math.min(sent, SLOW_HEAD.length - 1), 1));
                    } catch (IOException closed) {
                        // the server closed it after its 408; counted below
                    }
                }
            }
            sent++;
        }
        int timedOut = 0;
        for (SocketChannel channel : slow) {
            buffer.clear();
            channel.configureBlocking(false);
            try {
                channel.read(buffer);
            } catch (IOException reset) {
                // a reset after the 408 may lose the answer; it does not count
            }
            if (new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII)
                    .startsWith("HTTP/1.1 408 ")) {
                timedOut++;
            }
        }
        int stillOpen = 0;
        for (SocketChannel channel : idle) {
            buffer.clear();
            channel.configureBlocking(false);
            try {
                if (channel.read(buffer) == 0) {
                    stillOpen++;
                }
            } catch (IOException reset) {
                // evicted to make room for a new client
            }
        }
        System.out.println("result slow408=" + timedOut + " idleOpen=" + stillOpen);
        System.out.flush();
    }

    /** Connection {@code i}, from the local addresses in turn (each has its own ephemeral ports). */
    private static SocketChannel open(InetSocketAddress server, String[] locals, int i) throws IOException {
        final SocketChannel channel = SocketChannel.open();
        if (locals.length > 0) {
            channel.bind(new InetSocketAddress(locals[i % locals.length], 0));
        }
        channel.connect(server);
        return channel;
    }

    /** Reads one response with a Content-Length body (blocking). */
    private static void readResponse(SocketChannel channel, ByteBuffer buffer) throws IOException {
        buffer.clear();
        while (true) {
            if (channel.read(buffer) < 0) {
                throw new IOException("the server closed a keep-alive connection during its first response");
            }
            final String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.ISO_8859_1);
            final int headEnd = text.indexOf("\r\n\r\n");
            if (headEnd < 0) {
                continue;
            }
            final int at = text.toLowerCase(Locale.ROOT).indexOf("content-length:");
            final long length = Long.parseLong(
                    text.substring(at + 15, text.indexOf("\r\n", at)).trim());
            if (buffer.position() >= headEnd + 4 + length) {
                return;
            }
        }
    }
}
