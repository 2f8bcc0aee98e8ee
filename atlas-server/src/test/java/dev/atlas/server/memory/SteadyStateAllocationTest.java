package dev.atlas.server.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import dev.atlas.server.proto.ArpTable;
import dev.atlas.server.proto.FrameInput;
import dev.atlas.server.proto.InterfaceAddress;
import dev.atlas.server.proto.Ipv4Address;
import dev.atlas.server.proto.TcpHeader;
import dev.atlas.server.proto.TcpOptions;
import dev.atlas.server.proto.TestFrames;
import dev.atlas.server.ring.RxSlot;
import dev.atlas.server.ring.TxSlot;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The rings and the proto layer allocate nothing per frame: after warm-up, a loop that sends
 * super-frames and ARP/ICMP/TCP frames over the memory wire and runs FrameInput on them
 * allocates zero bytes on this thread.
 */
class SteadyStateAllocationTest {
    static final long STACK_MAC = 0x0200_0000_0002L;
    static final long PEER_MAC = 0x0200_0000_0001L;
    static final int STACK_IP = Ipv4Address.parse("198.18.0.2");
    static final int PEER_IP = Ipv4Address.parse("198.18.0.1");

    long delivered;
    long optionSum;
    final TcpOptions options = new TcpOptions();

    @Test
    void steadyStateAllocatesNothing() {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (MemoryWire wire = new MemoryWire(5)) {
            wire.aToB().loss(0.01).reorder(0.01, 1000).duplicate(0.01);
            FrameInput input = new FrameInput(
                    new InterfaceAddress(STACK_MAC, STACK_IP, 24),
                    new ArpTable(),
                    wire.b(),
                    (frame, ip, tcp, end, now) -> {
                        delivered++;
                        options.parse(frame, tcp);
                        optionSum += options.mss();
                    });
            TxSlot tx = new TxSlot();
            RxSlot rx = new RxSlot();
            long[] clock = {0};
            Runnable round = () -> {
                MemoryRing peer = wire.a();
                MemoryRing stack = wire.b();
                peer.txClaim(tx);
                int length = TestFrames.tcpSegment(
                        tx.frame(),
                        PEER_MAC,
                        STACK_MAC,
                        PEER_IP,
                        STACK_IP,
                        40000,
                        80,
                        (int) clock[0],
                        0,
                        TcpHeader.FLAG_ACK,
                        20 * 1448,
                        true);
                peer.txCommit(tx.length(length)
                        .segmentation(TxSlot.GSO_TCPV4, 1448, 54)
                        .partialChecksum(34, 16));
                peer.txClaim(tx);
                peer.txCommit(tx.length(TestFrames.arpRequest(tx.frame(), PEER_MAC, PEER_IP, STACK_IP)));
                peer.txClaim(tx);
                peer.txCommit(tx.length(
                        TestFrames.echoRequest(tx.frame(), PEER_MAC, STACK_MAC, PEER_IP, STACK_IP, 1, 1, 64)));
                peer.txSync();
                peer.txReap();
                clock[0] += 10_000;
                wire.advanceTo(clock[0]);
                stack.rxSync();
                while (stack.rxNext(rx)) {
                    input.onFrame(rx, clock[0]);
                }
                stack.rxRelease();
                stack.txSync();
                stack.txReap();
                peer.rxSync();
                while (peer.rxNext(rx)) {
                    delivered += rx.length() > 0 ? 0 : 1;
                }
                peer.rxRelease();
            };
            for (int i = 0; i < 20_000; i++) {
                round.run();
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 2_000; i++) {
                round.run();
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(delivered > 0);
            assertTrue(input.counters().arpRequestsAnswered > 0 && input.counters().icmpEchoAnswered > 0);
            assertEquals(0, allocated, "bytes allocated in 2,000 steady-state rounds");
        }
    }
}
