package dev.atlas.server.tcp;

import java.lang.foreign.MemorySegment;

/** Test application: every accepted connection is sent {@code bytes} of the pattern (token = remote port), then optionally FIN. */
final class BulkApplication implements TcpApplication {
    private final PatternSource source = new PatternSource();
    private final long bytes;
    private final boolean close;
    int accepted;
    int closed;
    int sendCompletes;

    BulkApplication(long bytes, boolean close) {
        this.bytes = bytes;
        this.close = close;
    }

    @Override
    public void onAccept(TcpConnection c) {
        accepted++;
        if (!c.send(source, c.remotePort(), 0, bytes)) {
            throw new IllegalStateException("send refused");
        }
        if (close) {
            c.shutdownOutput();
        }
    }

    @Override
    public int onData(TcpConnection c, MemorySegment data, long offset, int length) {
        return length;
    }

    @Override
    public void onSendComplete(TcpConnection c) {
        sendCompletes++;
    }

    @Override
    public void onClose(TcpConnection c) {
        closed++;
    }
}
