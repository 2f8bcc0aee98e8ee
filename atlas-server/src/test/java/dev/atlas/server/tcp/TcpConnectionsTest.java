package dev.atlas.server.tcp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.server.proto.ArpTable;
import dev.atlas.server.tcp.cc.NewReno;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/** The connection table's eviction order (idle before stalled, oldest first) and its per-address cap. */
class TcpConnectionsTest {
    private static final int A = 0xC6120001;
    private static final int B = 0xC6120002;

    private static TcpConnections table(int slots, int perAddress) {
        final TcpConnection[] connections = new TcpConnection[slots];
        for (int i = 0; i < slots; i++) {
            connections[i] = new TcpConnection(
                    null,
                    i,
                    new SendStream(4, Arena.ofAuto().allocate(64)),
                    new SackScoreboard(4),
                    new RtoEstimator(1_000_000_000L, 200_000_000L, 60_000_000_000L, 1_000_000L),
                    new NewReno());
        }
        return new TcpConnections(connections, new ArpTable(), new TcpCounters(), perAddress);
    }

    private static TcpConnection open(TcpConnections table, int address, int port) {
        return table.open(ConnectionTable.key(address, port, 80), 1L, address, port, 80, 0);
    }

    @Test
    void idleConnectionsAreEvictedBeforeStalledOnesOldestFirst() {
        final TcpConnections table = table(4, 0);
        final TcpConnection first = open(table, A, 1000);
        final TcpConnection second = open(table, A, 1001);
        final TcpConnection third = open(table, A, 1002);
        assertNull(table.evictionCandidate(), "nothing is evictable until the application says so");
        table.queue(second, TcpConnections.STALLED);
        table.queue(first, TcpConnections.IDLE);
        table.queue(third, TcpConnections.IDLE);
        assertSame(first, table.evictionCandidate(), "the oldest idle connection goes first");
        table.queue(first, TcpConnections.IDLE); // idle again, now the newest
        assertSame(third, table.evictionCandidate());
        table.queue(third, TcpConnections.ACTIVE);
        table.free(first);
        assertSame(second, table.evictionCandidate(), "with no idle connection left, the stalled one");
        table.free(second);
        assertNull(table.evictionCandidate());
    }

    @Test
    void oneAddressHoldsNoMoreThanItsLimit() {
        final TcpConnections table = table(8, 2);
        final TcpConnection one = open(table, A, 1000);
        assertFalse(table.atAddressLimit(A));
        open(table, A, 1001);
        assertTrue(table.atAddressLimit(A));
        assertFalse(table.atAddressLimit(B), "other addresses are counted apart");
        table.free(one);
        assertFalse(table.atAddressLimit(A), "a closed connection no longer counts");
        assertFalse(table(2, 0).atAddressLimit(A), "no limit unless configured");
    }
}
