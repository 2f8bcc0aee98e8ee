package dev.atlas.server.tcp;

import dev.atlas.server.storage.ExtentSource;
import java.lang.foreign.MemorySegment;
import java.util.function.IntToLongFunction;

/**
 * A test application that sends {@code bytes} of a drive extent to every connection, then FIN,
 * and forgets the connection's chunks on close. Which extent a connection gets is chosen by its
 * remote port. Test code only.
 */
final class ExtentApplication implements TcpApplication {
    final long bytes;
    private final IntToLongFunction extentOfPort;
    ExtentSource source;
    int closed;

    ExtentApplication(long bytes, IntToLongFunction extentOfPort) {
        this.bytes = bytes;
        this.extentOfPort = extentOfPort;
    }

    @Override
    public void onAccept(TcpConnection c) {
        if (!c.send(source, 0, extentOfPort.applyAsLong(c.remotePort()), bytes)) {
            throw new IllegalStateException("send refused");
        }
        c.shutdownOutput();
    }

    @Override
    public int onData(TcpConnection c, MemorySegment data, long offset, int length) {
        return length;
    }

    @Override
    public void onSendComplete(TcpConnection c) {}

    @Override
    public void onClose(TcpConnection c) {
        closed++;
        source.release(c);
    }
}
