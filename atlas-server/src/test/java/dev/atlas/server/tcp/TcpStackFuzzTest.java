package dev.atlas.server.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.atlas.server.memory.MemoryWire;
import dev.atlas.server.proto.EthernetHeader;
import dev.atlas.server.proto.IcmpHeader;
import dev.atlas.server.proto.Ipv4Header;
import dev.atlas.server.proto.TcpHeader;
import dev.atlas.server.proto.TcpOptions;
import dev.atlas.server.ring.InternetChecksum;
import dev.atlas.server.ring.RxSlot;
import dev.atlas.server.ring.Wire;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing (Jazzer) of the receive path a lane runs: fuzzed frames go through
 * {@code FrameInput} into {@code TcpStack} on a memory wire while a real connection downloads.
 * Whatever the frames are, nothing escapes as an exception, and the download completes
 * byte-exact, with its FIN and without a reset (until it completes; its connection may idle out
 * afterwards).
 *
 * <p>The input is a list of records, each {@code ctl gap length body}:
 * <ul>
 * <li>{@code ctl} bits 0-1: what {@code body} is: 0 a whole frame, 1 an IPv4 packet (the harness
 *     adds an Ethernet header to the stack's MAC), 2 or 3 a TCP segment (the harness adds
 *     Ethernet and IPv4 headers from a peer chosen by bits 4-5 and fills in the checksums);
 *     bit 2: the frame is flagged CSUM_NOT_READY; bit 3: for frames and packets, fill in the
 *     IPv4/TCP/ICMP checksums, for segments, leave the checksum as the body has it; bit 6: the
 *     segment's sequence and acknowledgment numbers, SACK blocks and timestamp echo count from
 *     what the stack last sent to that peer and port (so the fuzzer can hold up its end of a
 *     connection despite the stack's random ISNs and timestamp offset);
 *     bit 7: the frame starts at an odd offset of the memory handed over, behind junk.</li>
 * <li>{@code gap} bits 0-5: how long the lane runs before the frame is handed over (where in the
 *     download it lands; a round trip is 20 ms): below 48, units of 0.5 ms; from 48 on, 125 ms to
 *     2 s (timers: retransmission, TIME_WAIT, a 5 s idle timeout); all records within 30 s.
 *     Bits 6-7: add 256 for each to {@code length}.</li>
 * </ul>
 * A record that would belong to the download's own connection (a peer may reset its own
 * connection) is moved to another source port.
 *
 * <p>Seeds and regression inputs live in
 * {@code src/test/resources/dev/atlas/server/tcp/TcpStackFuzzTestInputs/frames}; a finding is
 * written there as {@code crash-…} or {@code timeout-…} (fix the cause, give it a name, commit it).
 * A full build fuzzes for {@code maxDuration} (atlas-server's POM, profile {@code fuzz}); run by
 * name ({@code -Dtest=TcpStackFuzzTest}) it replays its inputs only, unless fuzzing is asked for:
 * <pre>
 * JAZZER_FUZZ=1 mvn -pl atlas-server -am test -Dtest=TcpStackFuzzTest -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Djazzer.max_duration=10m -Djunit.jupiter.execution.timeout.mode=disabled \
 *   -Djazzer.instrumentation_excludes='dev.atlas.server.memory.**:dev.atlas.server.tcp.BulkReceiver:dev.atlas.server.tcp.PatternSource:dev.atlas.server.proto.InternetChecksum'
 * </pre>
 */
class TcpStackFuzzTest {
    private static final int RECEIVER_PORT = 40_000;
    private static final long DOWNLOAD_BYTES = 64 * 1024;
    private static final long ONE_WAY_DELAY = 10_000_000L;
    /** An idle lane moves its clock to the next frame due on the wire, at most one timer tick on. */
    private static final long IDLE_STEP = 1_000_000L;

    private static final long TIME_LIMIT = 60_000_000_000L;
    /** The records together span at most this much virtual time (the timers fire within it). */
    private static final long RECORDS_TIME_LIMIT = 30_000_000_000L;

    private static final int MAX_RECORDS = 128;
    private static final int ODD_OFFSET = 7;
    private static final int FRAME_CAPACITY = 2048;

    private static final int KIND_FRAME = 0;
    private static final int KIND_PACKET = 1;
    private static final int CTL_CSUM_NOT_READY = 1 << 2;
    private static final int CTL_CHECKSUMS = 1 << 3;
    private static final int CTL_SOURCE_SHIFT = 4;
    private static final int CTL_RELATIVE = 1 << 6;
    private static final int CTL_ODD_OFFSET = 1 << 7;
    private static final int GAP_MASK = 0x3F;
    /** Gaps below this are fine-grained: units of {@link #GAP_UNIT}; from it on, units of {@link #LONG_GAP_UNIT}. */
    private static final int LONG_GAPS = 48;
    /** Virtual time per unit of a short gap: up to 23.5 ms, longer than a round trip. */
    private static final long GAP_UNIT = 500_000L;
    /** Virtual time per unit of a long gap: 125 ms to 2 s, for retransmission, TIME_WAIT and idle timers. */
    private static final long LONG_GAP_UNIT = 125_000_000L;

    private static final int LENGTH_HIGH_SHIFT = 6;

    /** Peers a TCP record can come from: the download's own host (another port), two neighbours, one off-link host. */
    private static final int[] SOURCES = {
        StackLoop.PEER_ADDRESS,
        (198 << 24) | (18 << 16) | 3,
        (198 << 24) | (18 << 16) | 200,
        (198 << 24) | (19 << 16) | 7
    };

    private static final long[] SOURCE_MACS = {
        StackLoop.PEER_MAC, StackLoop.PEER_MAC + 1, StackLoop.PEER_MAC + 2, 0x02_00_00_00_00_FEL
    };

    @FuzzTest(maxDuration = "40s")
    @Timeout(10)
    void frames(byte[] input) {
        try (Run run = new Run()) {
            run.play(input);
        }
    }

    /** One download beside one input's frames. */
    private static final class Run implements AutoCloseable {
        private final StackLoop loop;
        private final BulkReceiver receiver;
        private final byte[] memory = new byte[ODD_OFFSET + FRAME_CAPACITY];
        private final MemorySegment frames = MemorySegment.ofArray(memory);
        private final RxSlot rx = new RxSlot();
        private final PeerNumbers numbers = new PeerNumbers();
        private boolean completed;
        private long corruptAtCompletion;
        private long resetsAtCompletion;

        Run() {
            MemoryWire wire =
                    new MemoryWire(MemoryWire.DEFAULT_MTU, 256, 32, MemoryWire.DEFAULT_SLOT_CAPACITY, 1024, 1);
            wire.aToB().delayNanos(ONE_WAY_DELAY);
            wire.bToA().delayNanos(ONE_WAY_DELAY);
            // Small tables, so the fuzzer can fill them; an idle timeout it can reach.
            TcpConfig config =
                    TcpConfig.defaults().maxConnections(16).synQueueCapacity(4).idleTimeoutNanos(5_000_000_000L);
            loop = new StackLoop(wire, config, new BulkApplication(DOWNLOAD_BYTES, true), 1_000_000_000L);
            receiver = new BulkReceiver(wire.b(), RECEIVER_PORT, RECEIVER_PORT);
            receiver.others = numbers::onStackFrame;
        }

        void play(byte[] input) {
            receiver.connect(loop.now);
            long recordsEnd = loop.now + RECORDS_TIME_LIMIT;
            int at = 0;
            for (int records = 0; records < MAX_RECORDS && at + 3 <= input.length; records++) {
                int ctl = input[at] & 0xFF;
                int gap = input[at + 1] & 0xFF;
                int length =
                        Math.min((input[at + 2] & 0xFF) + ((gap >>> LENGTH_HIGH_SHIFT) << 8), input.length - at - 3);
                int units = gap & GAP_MASK;
                long until = Math.min(
                        recordsEnd,
                        loop.now + (units < LONG_GAPS ? units * GAP_UNIT : (units - LONG_GAPS + 1) * LONG_GAP_UNIT));
                while (loop.now < until) {
                    step();
                }
                inject(ctl, input, at + 3, length);
                at += 3 + length;
            }
            long deadline = loop.now + TIME_LIMIT;
            while (!completed && loop.now < deadline) {
                step();
            }
            assertTrue(
                    completed,
                    "the download completes beside the fuzzed frames: " + receiver.received() + " bytes, FIN "
                            + receiver.finReceived);
            assertEquals(0, corruptAtCompletion, "every downloaded byte is right");
            assertEquals(0, resetsAtCompletion, "the download is not reset");
        }

        private void step() {
            int work = loop.pass();
            work += receiver.poll(loop.now);
            if (!completed && receiver.received() == DOWNLOAD_BYTES && receiver.finReceived) {
                // What the download saw up to its end: afterwards its connection may idle out (and be reset)
                // legitimately.
                completed = true;
                corruptAtCompletion = receiver.corruptBytes;
                resetsAtCompletion = receiver.resets;
            }
            if (work == 0) {
                long due = loop.wire.nextDue();
                loop.now = Math.max(loop.now + 1, Math.min(due, loop.now + IDLE_STEP));
            }
        }

        private void inject(int ctl, byte[] input, int from, int length) {
            int start = (ctl & CTL_ODD_OFFSET) != 0 ? ODD_OFFSET : 0;
            for (int i = 0; i < start; i++) {
                memory[i] = (byte) 0xA5;
            }
            int kind = ctl & 3;
            int frameLength;
            if (kind == KIND_FRAME) {
                frameLength = Math.min(length, FRAME_CAPACITY);
                System.arraycopy(input, from, memory, start, frameLength);
                if ((ctl & CTL_CHECKSUMS) != 0) {
                    fillChecksums(start, frameLength);
                }
            } else if (kind == KIND_PACKET) {
                frameLength = Math.min(EthernetHeader.LENGTH + length, FRAME_CAPACITY);
                EthernetHeader.write(
                        frames, start, StackLoop.STACK.mac(), StackLoop.PEER_MAC, EthernetHeader.ETHER_TYPE_IPV4);
                System.arraycopy(
                        input, from, memory, start + EthernetHeader.LENGTH, frameLength - EthernetHeader.LENGTH);
                if ((ctl & CTL_CHECKSUMS) != 0) {
                    fillChecksums(start, frameLength);
                }
            } else {
                frameLength = segment(ctl, input, from, length, start);
            }
            protectDownload(start, frameLength, ctl);
            // The memory ends where the frame ends: a read past the frame is an exception, not a silent overread.
            rx.set(
                    frames.asSlice(0, start + frameLength),
                    start,
                    frameLength,
                    (ctl & CTL_CSUM_NOT_READY) != 0 ? RxSlot.FLAG_CSUM_NOT_READY : 0);
            loop.input.onFrame(rx, loop.now);
        }

        /** A TCP segment from one of {@link #SOURCES}, with correct headers and (unless asked otherwise) checksum. */
        private int segment(int ctl, byte[] input, int from, int length, int start) {
            int ip = start + EthernetHeader.LENGTH;
            int tcp = ip + Ipv4Header.MIN_LENGTH;
            int tcpLength = Math.min(length, FRAME_CAPACITY - (tcp - start));
            int source = (ctl >>> CTL_SOURCE_SHIFT) & 3;
            EthernetHeader.write(
                    frames, start, StackLoop.STACK.mac(), SOURCE_MACS[source], EthernetHeader.ETHER_TYPE_IPV4);
            Ipv4Header.write(
                    frames,
                    ip,
                    Ipv4Header.MIN_LENGTH + tcpLength,
                    0,
                    Ipv4Header.PROTOCOL_TCP,
                    SOURCES[source],
                    StackLoop.STACK.ipv4());
            System.arraycopy(input, from, memory, tcp, tcpLength);
            if (tcpLength >= TcpHeader.MIN_LENGTH && (ctl & CTL_RELATIVE) != 0) {
                relative(tcp, tcpLength, SOURCES[source]);
            }
            if (tcpLength >= TcpHeader.MIN_LENGTH && (ctl & CTL_CHECKSUMS) == 0) {
                TcpHeader.checksum(
                        frames,
                        tcp,
                        TcpHeader.computeChecksum(frames, tcp, tcpLength, SOURCES[source], StackLoop.STACK.ipv4()));
            }
            return tcp + tcpLength - start;
        }

        /**
         * Makes the segment's numbers count from what the stack last sent to its peer and port:
         * the sequence number from the stack's acknowledgment, the acknowledgment number and SACK
         * block edges from the stack's next sequence number, the timestamp echo from its last
         * timestamp value.
         */
        private void relative(int tcp, int tcpLength, int peer) {
            int port = TcpHeader.sourcePort(frames, tcp);
            int next = numbers.next(peer, port);
            TcpHeader.sequence(frames, tcp, TcpHeader.sequence(frames, tcp) + numbers.acknowledged(peer, port));
            TcpHeader.acknowledgment(frames, tcp, TcpHeader.acknowledgment(frames, tcp) + next);
            int end = tcp + Math.min(TcpHeader.headerLength(frames, tcp), tcpLength);
            int at = tcp + TcpHeader.MIN_LENGTH;
            while (at < end) {
                int kind = Wire.u8(frames, at);
                if (kind == TcpOptions.KIND_END) {
                    return;
                }
                if (kind == TcpOptions.KIND_NOP) {
                    at++;
                    continue;
                }
                if (at + 1 >= end || Wire.u8(frames, at + 1) < 2 || at + Wire.u8(frames, at + 1) > end) {
                    return;
                }
                int length = Wire.u8(frames, at + 1);
                if (kind == TcpOptions.KIND_SACK) {
                    for (int edge = at + 2; edge + Integer.BYTES <= at + length; edge += Integer.BYTES) {
                        Wire.u32(frames, edge, Wire.u32(frames, edge) + next);
                    }
                } else if (kind == TcpOptions.KIND_TIMESTAMP && length == TcpOptions.LENGTH_TIMESTAMP) {
                    int echo = at + 2 + Integer.BYTES;
                    Wire.u32(frames, echo, Wire.u32(frames, echo) + numbers.timestamp(peer, port));
                }
                at += length;
            }
        }

        /** Fills in the IPv4 header checksum and the TCP or ICMP checksum where the lengths allow. */
        private void fillChecksums(int start, int frameLength) {
            int ip = start + EthernetHeader.LENGTH;
            int end = start + frameLength;
            if (frameLength < EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH
                    || EthernetHeader.etherType(frames, start) != EthernetHeader.ETHER_TYPE_IPV4) {
                return;
            }
            int headerLength = Ipv4Header.headerLength(frames, ip);
            if (headerLength < Ipv4Header.MIN_LENGTH || ip + headerLength > end) {
                return;
            }
            Ipv4Header.fillChecksum(frames, ip);
            int l4 = ip + headerLength;
            int l4Length = Ipv4Header.totalLength(frames, ip) - headerLength;
            if (l4Length < 0 || l4 + l4Length > end) {
                return;
            }
            int protocol = Ipv4Header.protocol(frames, ip);
            if (protocol == Ipv4Header.PROTOCOL_TCP && l4Length >= TcpHeader.MIN_LENGTH) {
                TcpHeader.checksum(
                        frames,
                        l4,
                        TcpHeader.computeChecksum(
                                frames,
                                l4,
                                l4Length,
                                Ipv4Header.source(frames, ip),
                                Ipv4Header.destination(frames, ip)));
            } else if (protocol == Ipv4Header.PROTOCOL_ICMP && l4Length >= IcmpHeader.LENGTH) {
                IcmpHeader.checksum(frames, l4, 0);
                IcmpHeader.checksum(frames, l4, InternetChecksum.checksum(frames, l4, l4Length));
            }
        }

        /** A segment on the download's own 4-tuple is the download's (its peer may reset it): move it to another port. */
        private void protectDownload(int start, int frameLength, int ctl) {
            int ip = start + EthernetHeader.LENGTH;
            int end = start + frameLength;
            if (frameLength < EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH
                    || EthernetHeader.etherType(frames, start) != EthernetHeader.ETHER_TYPE_IPV4) {
                return;
            }
            int tcp = ip + Ipv4Header.headerLength(frames, ip);
            if (Ipv4Header.protocol(frames, ip) == Ipv4Header.PROTOCOL_TCP
                    && tcp + TcpHeader.MIN_LENGTH <= end
                    && Ipv4Header.source(frames, ip) == StackLoop.PEER_ADDRESS
                    && TcpHeader.sourcePort(frames, tcp) == RECEIVER_PORT
                    && TcpHeader.destinationPort(frames, tcp) == StackLoop.PORT) {
                TcpHeader.sourcePort(frames, tcp, RECEIVER_PORT + 1);
                // The port moved, so the checksum no longer holds: refill it where the harness filled it.
                int kind = ctl & 3;
                boolean filled = kind == KIND_FRAME || kind == KIND_PACKET
                        ? (ctl & CTL_CHECKSUMS) != 0
                        : (ctl & CTL_CHECKSUMS) == 0;
                if (filled) {
                    fillChecksums(start, frameLength);
                }
            }
        }

        @Override
        public void close() {
            loop.close();
        }
    }

    /**
     * What the stack last sent to each fuzzed peer and port: its next sequence number and its
     * acknowledgment, so records can speak relative to them. Test code: a short linear table.
     */
    private static final class PeerNumbers {
        private static final int CAPACITY = 64;
        private final int[] address = new int[CAPACITY];
        private final int[] port = new int[CAPACITY];
        private final int[] next = new int[CAPACITY];
        private final int[] acknowledged = new int[CAPACITY];
        private final int[] timestamp = new int[CAPACITY];
        private final TcpOptions options = new TcpOptions();
        private int size;

        void onStackFrame(MemorySegment f) {
            if (EthernetHeader.etherType(f, 0) != EthernetHeader.ETHER_TYPE_IPV4) {
                return;
            }
            int ip = EthernetHeader.LENGTH;
            if (Ipv4Header.protocol(f, ip) != Ipv4Header.PROTOCOL_TCP) {
                return;
            }
            int tcp = ip + Ipv4Header.headerLength(f, ip);
            int payload = Ipv4Header.totalLength(f, ip) - (tcp - ip) - TcpHeader.headerLength(f, tcp);
            int flags = TcpHeader.flags(f, tcp);
            int known = size;
            int i = find(Ipv4Header.destination(f, ip), TcpHeader.destinationPort(f, tcp), true);
            if (i < 0) {
                return;
            }
            int end = TcpHeader.sequence(f, tcp)
                    + payload
                    + ((flags & TcpHeader.FLAG_SYN) != 0 ? 1 : 0)
                    + ((flags & TcpHeader.FLAG_FIN) != 0 ? 1 : 0);
            if (i >= known || end - next[i] > 0 || (flags & TcpHeader.FLAG_SYN) != 0) {
                next[i] = end;
            }
            if ((flags & TcpHeader.FLAG_ACK) != 0) {
                acknowledged[i] = TcpHeader.acknowledgment(f, tcp);
            }
            if (options.parse(f, tcp) && options.timestampPresent()) {
                timestamp[i] = options.timestampValue();
            }
        }

        int next(int peer, int peerPort) {
            int i = find(peer, peerPort, false);
            return i < 0 ? 0 : next[i];
        }

        int timestamp(int peer, int peerPort) {
            int i = find(peer, peerPort, false);
            return i < 0 ? 0 : timestamp[i];
        }

        int acknowledged(int peer, int peerPort) {
            int i = find(peer, peerPort, false);
            return i < 0 ? 0 : acknowledged[i];
        }

        private int find(int peer, int peerPort, boolean add) {
            for (int i = 0; i < size; i++) {
                if (address[i] == peer && port[i] == peerPort) {
                    return i;
                }
            }
            if (!add || size == CAPACITY) {
                return -1;
            }
            address[size] = peer;
            port[size] = peerPort;
            next[size] = 0;
            acknowledged[size] = 0;
            timestamp[size] = 0;
            return size++;
        }
    }
}
