package dev.atlas.server.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.server.proto.EthernetHeader;
import dev.atlas.server.proto.Ipv4Address;
import dev.atlas.server.proto.Ipv4Header;
import dev.atlas.server.proto.TcpHeader;
import dev.atlas.server.proto.TestFrames;
import dev.atlas.server.ring.RxSlot;
import dev.atlas.server.ring.TxSlot;
import dev.atlas.server.ring.Wire;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MemoryWireTest {
    static final int SRC = Ipv4Address.parse("198.18.0.2");
    static final int DST = Ipv4Address.parse("198.18.0.1");
    static final int MSS = 1448;
    static final int TCP = TestFrames.TCP;

    final MemoryWire wire = new MemoryWire(3);
    final TxSlot tx = new TxSlot();
    final RxSlot rx = new RxSlot();

    @AfterEach
    void close() {
        wire.close();
    }

    /** A super-frame as TCP output writes it: full-length headers, offload pseudo-header sum, GSO metadata. */
    private void sendSuperFrame(MemoryRing ring, int seq, int payload, int flags) {
        assertTrue(ring.txClaim(tx));
        int length = TestFrames.tcpSegment(tx.frame(), 2, 1, SRC, DST, 80, 40000, seq, 99, flags, payload, true);
        tx.length(length)
                .segmentation(TxSlot.GSO_TCPV4, MSS, TCP + TcpHeader.MIN_LENGTH)
                .partialChecksum(TCP, TcpHeader.CHECKSUM_OFFSET);
        ring.txCommit(tx);
        ring.txSync();
        assertEquals(1, ring.txReap());
    }

    private List<byte[]> drain(MemoryRing ring) {
        List<byte[]> frames = new ArrayList<>();
        ring.rxSync();
        while (ring.rxNext(rx)) {
            frames.add(rx.frame().asSlice(0, rx.length()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
        ring.rxRelease();
        return frames;
    }

    @Test
    void segmentsASuperFrameLikeTheKernel() {
        int payload = 65535 - 20 - 20;
        int firstSeq = 0xFFFF_0000; // wraps inside the super-frame
        sendSuperFrame(
                wire.a(),
                firstSeq,
                payload,
                TcpHeader.FLAG_ACK | TcpHeader.FLAG_PSH | TcpHeader.FLAG_FIN | TcpHeader.FLAG_CWR);
        List<byte[]> frames = drain(wire.b());
        int expected = (payload + MSS - 1) / MSS;
        assertEquals(expected, frames.size());
        int firstId = -1;
        int next = firstSeq;
        for (int i = 0; i < frames.size(); i++) {
            MemorySegment f = MemorySegment.ofArray(frames.get(i));
            int chunk = Math.min(MSS, payload - i * MSS);
            assertEquals(TCP + 20 + chunk, f.byteSize());
            assertEquals(20 + 20 + chunk, Ipv4Header.totalLength(f, 14));
            assertTrue(Ipv4Header.checksumValid(f, 14), "IPv4 checksum of segment " + i);
            assertTrue(TcpHeader.checksumValid(f, TCP, 20 + chunk, SRC, DST), "TCP checksum of segment " + i);
            if (firstId < 0) {
                firstId = Ipv4Header.identification(f, 14);
            }
            assertEquals((firstId + i) & 0xFFFF, Ipv4Header.identification(f, 14));
            assertEquals(next, TcpHeader.sequence(f, TCP));
            int flags = TcpHeader.flags(f, TCP);
            boolean last = i == frames.size() - 1;
            assertEquals(last, (flags & TcpHeader.FLAG_FIN) != 0);
            assertEquals(last, (flags & TcpHeader.FLAG_PSH) != 0);
            assertEquals(i == 0, (flags & TcpHeader.FLAG_CWR) != 0);
            assertTrue((flags & TcpHeader.FLAG_ACK) != 0);
            for (int j = 0; j < chunk; j += 97) {
                assertEquals(Integer.remainderUnsigned(next + j, 251), Wire.u8(f, TCP + 20 + j), "payload byte");
            }
            next += chunk;
        }
        assertEquals(1, wire.countersAToB().superFramesSegmented);
    }

    @Test
    void completesAPartialChecksumOnASmallFrame() {
        assertTrue(wire.a().txClaim(tx));
        int length = TestFrames.tcpSegment(tx.frame(), 2, 1, SRC, DST, 80, 40000, 5, 6, TcpHeader.FLAG_ACK, 300, true);
        wire.a().txCommit(tx.length(length).partialChecksum(TCP, TcpHeader.CHECKSUM_OFFSET));
        wire.a().txSync();
        List<byte[]> frames = drain(wire.b());
        assertEquals(1, frames.size());
        assertTrue(TcpHeader.checksumValid(MemorySegment.ofArray(frames.get(0)), TCP, 320, SRC, DST));
    }

    @Test
    void refusesMalformedOffloadAndOversizeFrames() {
        assertTrue(wire.a().txClaim(tx));
        int length = TestFrames.tcpSegment(tx.frame(), 2, 1, SRC, DST, 80, 40000, 5, 6, TcpHeader.FLAG_ACK, 3000, true);
        wire.a().txCommit(tx.length(length)); // no GSO metadata: too long for the MTU
        assertTrue(wire.a().txClaim(tx));
        TestFrames.tcpSegment(tx.frame(), 2, 1, SRC, DST, 80, 40000, 5, 6, TcpHeader.FLAG_ACK, 3000, true);
        wire.a()
                .txCommit(tx.length(length)
                        .segmentation(TxSlot.GSO_TCPV4, MSS, 54)
                        .partialChecksum(30, 16));
        wire.a().txSync();
        assertTrue(drain(wire.b()).isEmpty());
        assertEquals(1, wire.countersAToB().droppedOversize);
        assertEquals(1, wire.countersAToB().droppedMalformedOffload);
    }

    @Test
    void delayHoldsFramesUntilTheClockReachesThem() {
        wire.aToB().delayNanos(20_000_000L);
        wire.advanceTo(1_000_000_000L);
        sendSuperFrame(wire.a(), 1, 3 * MSS, TcpHeader.FLAG_ACK);
        wire.advanceTo(1_019_999_999L);
        assertTrue(drain(wire.b()).isEmpty());
        assertEquals(1_020_000_000L, wire.nextDue());
        wire.advanceTo(1_020_000_000L);
        assertEquals(3, drain(wire.b()).size());
    }

    private List<Integer> impairedRun(long seed) {
        try (MemoryWire w = new MemoryWire(seed)) {
            w.aToB().loss(0.1).duplicate(0.05).reorder(0.1, 5_000_000L).delayNanos(1_000_000L);
            TxSlot slot = new TxSlot();
            for (int i = 0; i < 20; i++) {
                assertTrue(w.a().txClaim(slot));
                int length = TestFrames.tcpSegment(
                        slot.frame(),
                        2,
                        1,
                        SRC,
                        DST,
                        80,
                        40000,
                        1 + i * 10 * MSS,
                        0,
                        TcpHeader.FLAG_ACK,
                        10 * MSS,
                        true);
                w.a().txCommit(slot.length(length)
                        .segmentation(TxSlot.GSO_TCPV4, MSS, TCP + 20)
                        .partialChecksum(TCP, TcpHeader.CHECKSUM_OFFSET));
                w.a().txSync();
                w.a().txReap();
            }
            w.advanceTo(100_000_000L);
            List<Integer> seqs = new ArrayList<>();
            RxSlot r = new RxSlot();
            w.b().rxSync();
            while (w.b().rxNext(r)) {
                seqs.add(TcpHeader.sequence(r.frame(), TCP));
            }
            WireCounters c = w.countersAToB();
            assertEquals(200, c.framesSent);
            assertEquals(200 - c.lost + c.duplicated, seqs.size());
            assertTrue(c.lost > 0 && c.duplicated > 0 && c.reordered > 0, c.toString());
            return seqs;
        }
    }

    @Test
    void impairmentsAreSeededAndReproducible() {
        List<Integer> first = impairedRun(11);
        assertEquals(first, impairedRun(11));
        assertNotEquals(first, impairedRun(12));
        boolean outOfOrder = false;
        for (int i = 1; i < first.size(); i++) {
            outOfOrder |= first.get(i) - first.get(i - 1) < 0;
        }
        assertTrue(outOfOrder, "reordering shows in the delivered order");
    }

    @Test
    void fullReceiveRingLeavesFramesOnTheWire() {
        try (MemoryWire small = new MemoryWire(1500, 4, 4, MemoryWire.DEFAULT_SLOT_CAPACITY, 64, 1)) {
            TxSlot slot = new TxSlot();
            assertTrue(small.a().txClaim(slot));
            int length = TestFrames.tcpSegment(
                    slot.frame(), 2, 1, SRC, DST, 80, 40000, 1, 0, TcpHeader.FLAG_ACK, 10 * MSS, true);
            small.a()
                    .txCommit(slot.length(length)
                            .segmentation(TxSlot.GSO_TCPV4, MSS, TCP + 20)
                            .partialChecksum(TCP, TcpHeader.CHECKSUM_OFFSET));
            small.a().txSync();
            assertEquals(4, small.b().rxSync());
            assertEquals(6, small.inFlight());
            RxSlot r = new RxSlot();
            while (small.b().rxNext(r)) {
                assertEquals(EthernetHeader.ETHER_TYPE_IPV4, EthernetHeader.etherType(r.frame(), 0));
            }
            small.b().rxRelease();
            assertEquals(4, small.b().rxSync());
            assertFalse(small.inFlight() == 6);
        }
    }
}
