package dev.atlas.server.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.server.proto.EthernetHeader;
import dev.atlas.server.proto.Ipv4Header;
import dev.atlas.server.proto.TcpHeader;
import dev.atlas.server.proto.TcpOptions;
import dev.atlas.server.ring.Wire;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated TCP segments from other peers, injected straight into the engine while a
 * download runs: nothing escapes as an exception and the download completes byte-exact, without
 * a reset. A SYN flood beside a download is the same kind of test with one mutation.
 */
class TcpFuzzProperties {
    private static final int IP = EthernetHeader.LENGTH;
    private static final int TCP = IP + Ipv4Header.MIN_LENGTH;
    private static final int RECEIVER_PORT = 40_000;
    private static final long BYTES = 1L << 20;

    private final MemorySegment frame = Arena.ofAuto().allocate(2048);

    @Property(tries = 25)
    void fuzzedSegmentsNeverThrowNorDisturbAnotherConnection(@ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        TcpConfig config = TcpConfig.defaults().maxConnections(64).synQueueCapacity(8);
        try (StackLoop loop = new StackLoop(
                TcpBulkTransferTest.wire(seed, 0.01), config, new BulkApplication(BYTES, true), 1_000_000_000L)) {
            BulkReceiver receiver = new BulkReceiver(loop.wire.b(), RECEIVER_PORT, RECEIVER_PORT);
            receiver.connect(loop.now);
            long deadline = loop.now + 120_000_000_000L;
            int injected = 0;
            while ((receiver.received() < BYTES || !receiver.finReceived) && loop.now < deadline) {
                if (injected < 3000 && random.nextInt(3) == 0) {
                    int end = fuzzedSegment(random);
                    loop.stack.onTcpSegment(frame, IP, TCP, end, loop.now);
                    injected++;
                }
                int work = loop.pass();
                work += receiver.poll(loop.now);
                if (work == 0) {
                    loop.now += 100_000L;
                }
            }
            assertEquals(BYTES, receiver.received(), "download beside " + injected + " fuzzed segments");
            assertTrue(receiver.finReceived);
            assertEquals(0, receiver.corruptBytes);
            assertEquals(0, receiver.resets);
        }
    }

    @Test
    void synFloodDoesNotStopADownload() {
        SplittableRandom random = new SplittableRandom(99);
        TcpConfig config = TcpConfig.defaults().maxConnections(64).synQueueCapacity(16);
        long bytes = 8L << 20;
        try (StackLoop loop = new StackLoop(
                TcpBulkTransferTest.wire(5, 0), config, new BulkApplication(bytes, true), 1_000_000_000L)) {
            BulkReceiver receiver = new BulkReceiver(loop.wire.b(), RECEIVER_PORT, RECEIVER_PORT);
            receiver.connect(loop.now);
            long deadline = loop.now + 60_000_000_000L;
            int syns = 0;
            while ((receiver.received() < bytes || !receiver.finReceived) && loop.now < deadline) {
                for (int i = 0; i < 8 && syns < 50_000; i++, syns++) {
                    int end = segment(
                            random, TcpHeader.FLAG_SYN, 0x0A00_0000 | random.nextInt(1 << 24), StackLoop.PORT, true);
                    loop.stack.onTcpSegment(frame, IP, TCP, end, loop.now);
                }
                int work = loop.pass();
                work += receiver.poll(loop.now);
                if (work == 0) {
                    loop.now += 100_000L;
                }
            }
            TcpCounters c = loop.stack.counters();
            assertEquals(bytes, receiver.received(), "download beside " + syns + " spoofed SYNs");
            assertEquals(0, receiver.corruptBytes);
            assertTrue(c.synCookiesSent > 0 && c.synQueueOverflows > 0, "cookies " + c.synCookiesSent);
            assertTrue(
                    loop.stack.connectionCount() <= 1 + config.synQueueCapacity(),
                    "half-open connections stay bounded");
        }
    }

    /** A segment from a random other peer, then mutated: flags, numbers, options, lengths, raw bytes. */
    private int fuzzedSegment(SplittableRandom random) {
        int[] flagChoices = {
            TcpHeader.FLAG_SYN,
            TcpHeader.FLAG_ACK,
            TcpHeader.FLAG_ACK | TcpHeader.FLAG_PSH,
            TcpHeader.FLAG_FIN | TcpHeader.FLAG_ACK,
            TcpHeader.FLAG_RST,
            TcpHeader.FLAG_RST | TcpHeader.FLAG_ACK,
            TcpHeader.FLAG_SYN | TcpHeader.FLAG_ACK,
            random.nextInt(256)
        };
        int source =
                random.nextInt(4) == 0 ? StackLoop.PEER_ADDRESS : (198 << 24) | (18 << 16) | random.nextInt(1 << 16);
        int localPort = random.nextInt(3) == 0 ? 1 + random.nextInt(65_535) : StackLoop.PORT;
        int end = segment(
                random, flagChoices[random.nextInt(flagChoices.length)], source, localPort, random.nextBoolean());
        int mutations = random.nextInt(4);
        for (int m = 0; m < mutations; m++) {
            switch (random.nextInt(5)) {
                case 0 -> Wire.u8(frame, TCP + random.nextInt(Math.max(1, end - TCP)), random.nextInt(256));
                case 1 -> TcpHeader.headerLength(frame, TCP, 4 * random.nextInt(16));
                case 2 -> end = TCP + random.nextInt(end - TCP + 1);
                case 3 -> Wire.u8(frame, TCP + TcpHeader.MIN_LENGTH + random.nextInt(40), random.nextInt(256));
                default -> TcpHeader.acknowledgment(frame, TCP, random.nextInt());
            }
        }
        if (source == StackLoop.PEER_ADDRESS && TcpHeader.sourcePort(frame, TCP) == RECEIVER_PORT) {
            // A mutated byte recreated the download's own 4-tuple: that segment would be the
            // download's (a peer may reset its own connection), not another peer's.
            TcpHeader.sourcePort(frame, TCP, RECEIVER_PORT + 1);
        }
        return end;
    }

    private int segment(SplittableRandom random, int flags, int source, int localPort, boolean options) {
        int sourcePort = 1 + random.nextInt(65_535);
        if (source == StackLoop.PEER_ADDRESS && sourcePort == RECEIVER_PORT) {
            sourcePort++;
        }
        long at = TCP + TcpHeader.MIN_LENGTH;
        if (options) {
            at += TcpOptions.putMss(frame, at, random.nextInt(65_536));
            at += TcpOptions.putNopNopSackPermitted(frame, at);
            at += TcpOptions.putNopNopTimestamp(frame, at, random.nextInt(), random.nextInt());
            at += TcpOptions.putNopWindowScale(frame, at, random.nextInt(20));
        }
        int headerLength = (int) (at - TCP);
        int payload = (flags & TcpHeader.FLAG_SYN) != 0 ? 0 : random.nextInt(4) == 0 ? random.nextInt(1400) : 0;
        TcpHeader.write(
                frame,
                TCP,
                sourcePort,
                localPort,
                random.nextInt(),
                random.nextInt(),
                headerLength,
                flags,
                random.nextInt(65_536));
        for (int i = 0; i < payload; i++) {
            Wire.u8(frame, at + i, i);
        }
        int tcpLength = headerLength + payload;
        Ipv4Header.write(
                frame,
                IP,
                Ipv4Header.MIN_LENGTH + tcpLength,
                0,
                Ipv4Header.PROTOCOL_TCP,
                source,
                StackLoop.STACK.ipv4());
        EthernetHeader.write(frame, 0, StackLoop.STACK.mac(), StackLoop.PEER_MAC + 1, EthernetHeader.ETHER_TYPE_IPV4);
        return TCP + tcpLength;
    }
}
