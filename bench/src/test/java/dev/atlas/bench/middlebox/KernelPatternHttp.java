package dev.atlas.bench.middlebox;

import dev.atlas.server.ring.afpacket.NetworkNamespace;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A tiny kernel-TCP HTTP server for topology tests: {@code GET /<n>} answers n bytes where byte
 * i is i mod 251. Its listening socket is created inside a namespace; it serves from a daemon thread.
 */
final class KernelPatternHttp implements AutoCloseable {
    private final ServerSocket server;
    private final Thread acceptor;

    private KernelPatternHttp(ServerSocket server) {
        this.server = server;
        this.acceptor = Thread.ofPlatform().daemon().name("kernel-pattern-http").start(this::serve);
    }

    static KernelPatternHttp start(String namespace, String address, int port) throws Exception {
        ServerSocket s =
                NetworkNamespace.call(namespace, () -> new ServerSocket(port, 50, InetAddress.getByName(address)));
        return new KernelPatternHttp(s);
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket c = server.accept()) {
                long length = requestedLength(c.getInputStream());
                OutputStream out = new BufferedOutputStream(c.getOutputStream(), 1 << 16);
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + length + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] block = new byte[251 * 256];
                for (int i = 0; i < block.length; i++) {
                    block[i] = (byte) (i % 251);
                }
                long sent = 0;
                while (sent < length) {
                    int n = (int) Math.min(block.length, length - sent);
                    out.write(block, 0, n);
                    sent += n;
                }
                out.flush();
            } catch (IOException e) {
                // A client that went away; keep serving the next one.
            }
        }
    }

    private static long requestedLength(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.indexOf("\r\n\r\n") < 0) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        String line = head.toString().split("\r\n", 2)[0];
        String[] parts = line.split(" ");
        if (parts.length < 2) {
            return 0;
        }
        try {
            return Long.parseLong(parts[1].substring(1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
        acceptor.join(5_000);
    }
}
