package dev.atlas.server.tcp;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/** A test application that records what the engine tells it, per remote port. Test code only. */
final class RecordingApplication implements TcpApplication {
    final Map<Integer, TcpConnection> accepted = new HashMap<>();
    final Map<Integer, Long> received = new HashMap<>();
    final Map<Integer, Integer> closed = new HashMap<>();
    int sendCompletes;

    @Override
    public void onAccept(TcpConnection c) {
        accepted.put(c.remotePort(), c);
    }

    @Override
    public int onData(TcpConnection c, MemorySegment data, long offset, int length) {
        received.merge(c.remotePort(), (long) length, Long::sum);
        return length;
    }

    @Override
    public void onSendComplete(TcpConnection c) {
        sendCompletes++;
    }

    @Override
    public void onClose(TcpConnection c) {
        closed.merge(c.remotePort(), 1, Integer::sum);
    }
}
