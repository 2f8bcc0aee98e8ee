package dev.atlas.bench.tcp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * The baseline for {@code ./atlas bench tcp}: the same {@code GET /pattern/<bytes>} answers as
 * Atlas's pattern responder, sent by the kernel's TCP from one read-only direct buffer (no
 * per-response copy in Java; the kernel copies into its socket buffer, as any socket server does).
 * One virtual thread per connection, keep-alive; run inside the server namespace:
 * {@code java -cp … dev.atlas.bench.tcp.KernelPatternServer ADDRESS PORT}.
 */
public final class KernelPatternServer {
    private static final int MODULUS = 251;
    /** Whole periods so every write starting at phase 0 of a slice continues the pattern. */
    private static final int TABLE_BYTES = MODULUS * 1044; // ≈ 256 KiB

    private static final int HEAD_LIMIT = 8192;
    private static final String PREFIX = "GET /pattern/";

    private final ByteBuffer table;

    private KernelPatternServer() {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(TABLE_BYTES + MODULUS);
        for (int i = 0; i < buffer.capacity(); i++) {
            buffer.put(i, (byte) (i % MODULUS));
        }
        this.table = buffer.asReadOnlyBuffer();
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: KernelPatternServer ADDRESS PORT");
            System.exit(2);
        }
        new KernelPatternServer()
                .serve(new InetSocketAddress(InetAddress.getByName(args[0]), Integer.parseInt(args[1])));
    }

    private void serve(InetSocketAddress bind) throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(bind, 1024);
            System.out.println("kernel pattern server on " + bind);
            System.out.flush();
            while (true) {
                final SocketChannel channel = server.accept();
                Thread.ofVirtual().start(() -> handle(channel));
            }
        }
    }

    private void handle(SocketChannel channel) {
        final ByteBuffer head = ByteBuffer.allocate(HEAD_LIMIT);
        try (channel) {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            while (true) {
                final int end = readHead(channel, head);
                if (end < 0) {
                    return;
                }
                final String request = new String(head.array(), 0, end, StandardCharsets.ISO_8859_1);
                // Keep bytes after this head (a pipelined request) for the next round.
                final int after = head.position() - end;
                System.arraycopy(head.array(), end, head.array(), 0, after);
                head.position(after);
                if (!respond(channel, request)) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away: nothing to report for a benchmark peer
        }
    }

    /** Reads until a blank line; returns the head's length or -1 at end of stream / oversize. */
    private static int readHead(SocketChannel channel, ByteBuffer head) throws IOException {
        while (true) {
            final byte[] a = head.array();
            for (int i = 3; i < head.position(); i++) {
                if (a[i - 3] == '\r' && a[i - 2] == '\n' && a[i - 1] == '\r' && a[i] == '\n') {
                    return i + 1;
                }
            }
            if (!head.hasRemaining() || channel.read(head) < 0) {
                return -1;
            }
        }
    }

    private boolean respond(SocketChannel channel, String request) throws IOException {
        final int lineEnd = request.indexOf("\r\n");
        final String line = request.substring(0, lineEnd);
        final boolean close = request.toLowerCase(java.util.Locale.ROOT).contains("\r\nconnection: close");
        long length = -1;
        if (line.startsWith(PREFIX) && line.endsWith(" HTTP/1.1")) {
            try {
                length = Long.parseLong(line.substring(PREFIX.length(), line.length() - " HTTP/1.1".length()));
            } catch (NumberFormatException e) {
                length = -1;
            }
        }
        if (length < 0) {
            write(
                    channel,
                    ByteBuffer.wrap("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1)));
            return false;
        }
        write(
                channel,
                ByteBuffer.wrap(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                                + length + "\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1)));
        long sent = 0;
        while (sent < length) {
            final int phase = (int) (sent % MODULUS);
            final int n = (int) Math.min(TABLE_BYTES, length - sent);
            write(channel, table.slice(phase, n));
            sent += n;
        }
        return !close;
    }

    private static void write(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
