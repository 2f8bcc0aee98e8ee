package dev.atlas.server.ring.afpacket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.server.proto.ArpTable;
import dev.atlas.server.proto.EthernetHeader;
import dev.atlas.server.proto.FrameInput;
import dev.atlas.server.proto.InterfaceAddress;
import dev.atlas.server.proto.Ipv4Address;
import dev.atlas.server.proto.Ipv4Header;
import dev.atlas.server.proto.MacAddress;
import dev.atlas.server.proto.TcpHeader;
import dev.atlas.server.proto.TestFrames;
import dev.atlas.server.ring.RxSlot;
import dev.atlas.server.ring.TxSlot;
import dev.atlas.server.ring.Wire;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The af_packet backend against the Linux kernel on a veth pair in two fresh namespaces:
 * the stack (in a, on {@code va}, owning 198.18.1.2 which the kernel lacks) answers the peer
 * kernel's ARP and receives its SYNs; a 64 KiB GSO super-frame written into one TX slot is
 * segmented by the kernel and captured, segment by segment, on the peer.
 */
class AfPacketRingTest {
    static final int STACK_IP = Ipv4Address.parse("198.18.1.2");
    static final int PEER_IP = Ipv4Address.parse("198.18.1.1");

    VethPair pair;

    @BeforeEach
    void setUp() {
        VethPair.requireRootAndTools("ip", "ethtool");
        pair = VethPair.create();
    }

    @AfterEach
    void tearDown() {
        if (pair != null) {
            pair.close();
        }
    }

    @Test
    void answersTheKernelsArpAndReceivesItsSyns() throws Exception {
        AfPacketRing ring = NetworkNamespace.call(pair.a, () -> AfPacketRing.open("va", AfPacketRing.NO_FANOUT));
        long mac = NetworkNamespace.call(pair.a, () -> NetworkInterfaces.macAddress("va"));
        AtomicInteger syns = new AtomicInteger();
        FrameInput input = new FrameInput(
                new InterfaceAddress(mac, STACK_IP, 24), new ArpTable(), ring, (frame, ip, tcp, end, now) -> {
                    if ((TcpHeader.flags(frame, tcp) & TcpHeader.FLAG_SYN) != 0
                            && TcpHeader.destinationPort(frame, tcp) == 80) {
                        syns.incrementAndGet();
                    }
                });
        AtomicBoolean running = new AtomicBoolean(true);
        boolean pingedFromPeer;
        Thread lane = Thread.ofPlatform().name("test-lane").start(() -> {
            RxSlot rx = new RxSlot();
            while (running.get()) {
                ring.rxSync();
                while (ring.rxNext(rx)) {
                    input.onFrame(rx, System.nanoTime());
                }
                ring.rxRelease();
                ring.txSync();
                ring.txReap();
                Thread.onSpinWait();
            }
        });
        try {
            NetworkNamespace.call(pair.b, () -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("198.18.1.2", 80), 1500);
                } catch (java.io.IOException expected) {
                    // Nobody answers the SYN in this test: a timeout is the expected outcome.
                }
                return null;
            });
            // As root, isReachable sends a real ICMP echo request from the peer's kernel.
            pingedFromPeer = NetworkNamespace.call(
                    pair.b, () -> InetAddress.getByName("198.18.1.2").isReachable(2000));
        } finally {
            running.set(false);
            lane.join();
            ring.close();
        }
        assertTrue(input.counters().arpRequestsAnswered >= 1, input.counters().toString());
        assertTrue(syns.get() >= 1, "the peer kernel accepted our ARP reply and sent its SYN: " + input.counters());
        String neighbour = VethPair.outputOf("ip", "-n", pair.b, "neigh", "show", "198.18.1.2");
        assertTrue(neighbour.contains(MacAddress.format(mac)), neighbour);
        assertTrue(pingedFromPeer, "the peer kernel's ICMP echo got our reply: " + input.counters());
        assertTrue(input.counters().icmpEchoAnswered >= 1);
        assertEquals(0, input.counters().ipv4BadChecksum + input.counters().tcpBadChecksum);
    }

    @Test
    void aSuperFrameIsSegmentedByTheKernelAndArrivesIntact() throws Exception {
        long macA = NetworkNamespace.call(pair.a, () -> NetworkInterfaces.macAddress("va"));
        long macB = NetworkNamespace.call(pair.b, () -> NetworkInterfaces.macAddress("vb"));
        AfPacketRing sender = NetworkNamespace.call(
                pair.a,
                () -> AfPacketRing.open(AfPacketConfig.defaults("va")
                        .withRx(AfPacketConfig.DEFAULT_RX_BLOCK_SIZE, 0)
                        .withTx(128 * 1024, 8)));
        AfPacketRing capture = NetworkNamespace.call(
                pair.b, () -> AfPacketRing.open(AfPacketConfig.defaults("vb").withTx(0, 0)));
        int mss = 1448;
        int payload = 65535 - 40;
        int firstSeq = 1_000_000;
        try {
            assertEquals(AfPacketRing.MAX_SUPER_FRAME, sender.slotCapacity());
            TxSlot tx = new TxSlot();
            assertTrue(sender.txClaim(tx));
            int length = TestFrames.tcpSegment(
                    tx.frame(),
                    macA,
                    macB,
                    STACK_IP,
                    PEER_IP,
                    80,
                    40000,
                    firstSeq,
                    1,
                    TcpHeader.FLAG_ACK | TcpHeader.FLAG_PSH,
                    payload,
                    true);
            assertEquals(AfPacketRing.MAX_SUPER_FRAME, length);
            sender.txCommit(tx.length(length)
                    .segmentation(TxSlot.GSO_TCPV4, mss, TestFrames.TCP + TcpHeader.MIN_LENGTH)
                    .partialChecksum(TestFrames.TCP, TcpHeader.CHECKSUM_OFFSET));
            assertEquals(1, sender.txSync());

            RxSlot rx = new RxSlot();
            int segments = 0;
            long bytes = 0;
            int nextSeq = firstSeq;
            int reaped = 0;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while ((bytes < payload || reaped == 0) && System.nanoTime() < deadline) {
                reaped += sender.txReap();
                capture.rxSync();
                while (capture.rxNext(rx)) {
                    MemorySegment f = rx.frame().asSlice(rx.offset(), rx.length());
                    if (EthernetHeader.etherType(f, 0) != EthernetHeader.ETHER_TYPE_IPV4
                            || Ipv4Header.source(f, 14) != STACK_IP
                            || Ipv4Header.protocol(f, 14) != Ipv4Header.PROTOCOL_TCP) {
                        continue;
                    }
                    int tcpLength = Ipv4Header.totalLength(f, 14) - 20;
                    int chunk = tcpLength - 20;
                    assertTrue(rx.length() <= 14 + 1500, "segment fits the MTU: " + rx.length());
                    assertTrue(Ipv4Header.checksumValid(f, 14));
                    // With tx off on va the kernel's software GSO completes every checksum.
                    assertTrue(
                            !rx.checksumNotReady() && TcpHeader.checksumValid(f, 34, tcpLength, STACK_IP, PEER_IP),
                            "TCP checksum of segment " + segments);
                    assertEquals(nextSeq, TcpHeader.sequence(f, 34));
                    assertEquals(Integer.remainderUnsigned(nextSeq, 251), Wire.u8(f, 54));
                    nextSeq += chunk;
                    bytes += chunk;
                    segments++;
                }
                capture.rxRelease();
            }
            assertEquals(payload, bytes);
            assertEquals((payload + mss - 1) / mss, segments);
            assertEquals(1, reaped, "the TX slot came back");
            assertEquals(0, sender.txKickErrors());
        } finally {
            sender.close();
            capture.close();
        }
    }

    /** Reads an interface statistic inside a namespace ({@code ip netns exec} remounts /sys for it). */
    private long statistic(String namespace, String device, String name) {
        return Long.parseLong(VethPair.outputOf(
                        "ip", "netns", "exec", namespace, "cat", "/sys/class/net/" + device + "/statistics/" + name)
                .strip());
    }

    @Test
    void bulkSuperFramesReachThePeerWithoutAllocation() throws Exception {
        long macA = NetworkNamespace.call(pair.a, () -> NetworkInterfaces.macAddress("va"));
        long macB = NetworkNamespace.call(pair.b, () -> NetworkInterfaces.macAddress("vb"));
        AfPacketRing sender = NetworkNamespace.call(
                pair.a,
                () -> AfPacketRing.open(AfPacketConfig.defaults("va").withRx(AfPacketConfig.DEFAULT_RX_BLOCK_SIZE, 0)));
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        int payload = 65535 - 40;
        int segmentsPerFrame = (payload + 1447) / 1448;
        int warmUp = 500;
        int frames = 3000;
        try {
            TxSlot tx = new TxSlot();
            long packetsBefore = statistic(pair.b, "vb", "rx_packets");
            long bytesBefore = statistic(pair.b, "vb", "rx_bytes");
            int seq = 1;
            long started = 0;
            long allocatedBefore = 0;
            long cpuBefore = 0;
            int committed = 0;
            while (committed < warmUp + frames) {
                if (committed == warmUp) {
                    started = System.nanoTime();
                    cpuBefore = threads.getCurrentThreadCpuTime();
                    allocatedBefore = threads.getCurrentThreadAllocatedBytes();
                }
                if (sender.txClaim(tx)) {
                    int length = TestFrames.tcpSegment(
                            tx.frame(),
                            macA,
                            macB,
                            STACK_IP,
                            PEER_IP,
                            80,
                            40000,
                            seq,
                            1,
                            TcpHeader.FLAG_ACK,
                            payload,
                            true);
                    sender.txCommit(tx.length(length)
                            .segmentation(TxSlot.GSO_TCPV4, 1448, 54)
                            .partialChecksum(34, 16));
                    seq += payload;
                    committed++;
                } else {
                    sender.txSync();
                    sender.txReap();
                }
            }
            sender.txSync();
            // Before the wait below, which reads the peer's counters through child processes.
            long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
            long cpu = threads.getCurrentThreadCpuTime() - cpuBefore;
            // The kernel finishes the ring's frames asynchronously: wait until the peer counted
            // every segment (or give up after 10 s and let the assertion say how many arrived).
            long expectedPackets = (long) (warmUp + frames) * segmentsPerFrame;
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (statistic(pair.b, "vb", "rx_packets") - packetsBefore < expectedPackets
                    && System.nanoTime() < deadline) {
                sender.txSync();
                sender.txReap();
            }
            long elapsed = System.nanoTime() - started;
            long packets = statistic(pair.b, "vb", "rx_packets") - packetsBefore;
            long bytes = statistic(pair.b, "vb", "rx_bytes") - bytesBefore;
            System.out.printf(
                    java.util.Locale.ROOT,
                    "af_packet TX: %d super-frames of %d B in %.3f s = %.2f Gb/s payload; sender thread CPU %.3f s; "
                            + "peer counted %d segments (%d B); kicks %d, kick errors %d%n",
                    frames,
                    payload,
                    elapsed / 1e9,
                    frames * (double) payload * 8 / elapsed,
                    cpu / 1e9,
                    packets,
                    bytes,
                    sender.txKicks(),
                    sender.txKickErrors());
            assertEquals(expectedPackets, packets, "every segment of every super-frame reached the peer");
            assertTrue(bytes >= expectedPackets * (14 + 40) + (long) (warmUp + frames) * payload);
            assertEquals(0, allocated, "the TX path allocated in steady state");
        } finally {
            sender.close();
        }
    }

    @Test
    void fanoutSpreadsFlowsOverMembersAndLosesNone() throws Exception {
        long macA = NetworkNamespace.call(pair.a, () -> NetworkInterfaces.macAddress("va"));
        long macB = NetworkNamespace.call(pair.b, () -> NetworkInterfaces.macAddress("vb"));
        AfPacketConfig member =
                AfPacketConfig.defaults("va").withTx(0, 0).withRx(1 << 16, 4).withFanoutGroup(4243);
        AfPacketRing first = NetworkNamespace.call(pair.a, () -> AfPacketRing.open(member));
        AfPacketRing second = NetworkNamespace.call(pair.a, () -> AfPacketRing.open(member));
        AfPacketRing peer = NetworkNamespace.call(
                pair.b,
                () -> AfPacketRing.open(
                        AfPacketConfig.defaults("vb").withRx(1 << 16, 0).withTx(4096, 64)));
        int flows = 64;
        try {
            TxSlot tx = new TxSlot();
            for (int i = 0; i < flows; i++) {
                assertTrue(peer.txClaim(tx));
                int length = TestFrames.tcpSegment(
                        tx.frame(), macB, macA, PEER_IP, STACK_IP, 20000 + i, 80, i, 0, TcpHeader.FLAG_ACK, 0, false);
                peer.txCommit(tx.length(length));
            }
            peer.txSync();
            int[] seen = new int[2];
            AfPacketRing[] members = {first, second};
            RxSlot rx = new RxSlot();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (seen[0] + seen[1] < flows && System.nanoTime() < deadline) {
                for (int m = 0; m < 2; m++) {
                    members[m].rxSync();
                    while (members[m].rxNext(rx)) {
                        if (EthernetHeader.etherType(rx.frame(), rx.offset()) == EthernetHeader.ETHER_TYPE_IPV4
                                && Ipv4Header.source(rx.frame(), rx.offset() + 14) == PEER_IP) {
                            seen[m]++;
                        }
                    }
                    members[m].rxRelease();
                }
            }
            assertEquals(flows, seen[0] + seen[1], "every frame reached exactly one member");
            assertTrue(seen[0] > 0 && seen[1] > 0, "both members got flows: " + seen[0] + " / " + seen[1]);
        } finally {
            first.close();
            second.close();
            peer.close();
        }
    }
}
