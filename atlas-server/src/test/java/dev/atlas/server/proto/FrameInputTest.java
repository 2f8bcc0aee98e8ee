package dev.atlas.server.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.server.memory.MemoryRing;
import dev.atlas.server.memory.MemoryWire;
import dev.atlas.server.ring.InternetChecksum;
import dev.atlas.server.ring.RxSlot;
import dev.atlas.server.ring.TxSlot;
import dev.atlas.server.ring.Wire;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** FrameInput on the stack side (a) of a memory wire, with the test playing the peer (b). */
class FrameInputTest {
    static final long STACK_MAC = 0x0200_0000_0002L;
    static final long PEER_MAC = 0x0200_0000_0001L;
    static final int STACK_IP = Ipv4Address.parse("198.18.0.2");
    static final int PEER_IP = Ipv4Address.parse("198.18.0.1");

    /** Records what reaches TCP and checks the offsets it is given. */
    static final class RecordingHandler implements TcpSegmentHandler {
        int segments;
        int lastPayload;
        int lastSequence;

        @Override
        public void onTcpSegment(MemorySegment frame, int ipOffset, int tcpOffset, int segmentEnd, long nowNanos) {
            assertEquals(EthernetHeader.LENGTH, ipOffset);
            assertTrue(tcpOffset >= ipOffset + Ipv4Header.MIN_LENGTH);
            assertTrue(tcpOffset + TcpHeader.headerLength(frame, tcpOffset) <= segmentEnd);
            assertTrue(segmentEnd <= frame.byteSize());
            segments++;
            lastPayload = segmentEnd - tcpOffset - TcpHeader.headerLength(frame, tcpOffset);
            lastSequence = TcpHeader.sequence(frame, tcpOffset);
        }
    }

    MemoryWire wire;
    MemoryRing stack;
    MemoryRing peer;
    RecordingHandler handler;
    FrameInput input;
    ArpTable arp;
    final RxSlot rx = new RxSlot();
    final TxSlot tx = new TxSlot();

    @BeforeEach
    void setUp() {
        wire = new MemoryWire(42);
        stack = wire.a();
        peer = wire.b();
        handler = new RecordingHandler();
        arp = new ArpTable();
        input = new FrameInput(new InterfaceAddress(STACK_MAC, STACK_IP, 24), arp, stack, handler);
    }

    @AfterEach
    void tearDown() {
        wire.close();
    }

    /** Sends what the peer wrote and lets the stack side process it; flushes the stack's replies. */
    void peerSends(int length) {
        peer.txCommit(tx.length(length));
        peer.txSync();
        peer.txReap();
        stack.rxSync();
        while (stack.rxNext(rx)) {
            input.onFrame(rx, wire.now());
        }
        stack.rxRelease();
        stack.txSync();
        stack.txReap();
        peer.rxSync();
    }

    MemorySegment claimPeer() {
        assertTrue(peer.txClaim(tx));
        return tx.frame();
    }

    @Test
    void answersArpForItsAddressAndLearnsTheAsker() {
        peerSends(TestFrames.arpRequest(claimPeer(), PEER_MAC, PEER_IP, STACK_IP));
        assertTrue(peer.rxNext(rx));
        MemorySegment r = rx.frame();
        assertEquals(PEER_MAC, EthernetHeader.destination(r, 0));
        assertEquals(STACK_MAC, EthernetHeader.source(r, 0));
        assertEquals(ArpPacket.OPERATION_REPLY, ArpPacket.operation(r, 14));
        assertEquals(STACK_MAC, ArpPacket.senderMac(r, 14));
        assertEquals(STACK_IP, ArpPacket.senderIp(r, 14));
        assertEquals(PEER_IP, ArpPacket.targetIp(r, 14));
        assertEquals(PEER_MAC, arp.lookup(PEER_IP));
        assertEquals(1, input.counters().arpRequestsAnswered);
    }

    @Test
    void ignoresArpForOtherAddresses() {
        peerSends(TestFrames.arpRequest(claimPeer(), PEER_MAC, PEER_IP, Ipv4Address.parse("198.18.0.77")));
        assertFalse(peer.rxNext(rx));
        assertEquals(1, input.counters().arpIgnored);
        assertEquals(ArpTable.MISSING, arp.lookup(PEER_IP));
    }

    @Test
    void answersEchoWithValidChecksums() {
        peerSends(TestFrames.echoRequest(claimPeer(), PEER_MAC, STACK_MAC, PEER_IP, STACK_IP, 0x1234, 7, 56));
        assertTrue(peer.rxNext(rx));
        MemorySegment r = rx.frame();
        assertEquals(PEER_IP, Ipv4Header.destination(r, 14));
        assertEquals(STACK_IP, Ipv4Header.source(r, 14));
        assertTrue(Ipv4Header.checksumValid(r, 14));
        assertEquals(IcmpHeader.TYPE_ECHO_REPLY, IcmpHeader.type(r, 34));
        assertEquals(0x1234, IcmpHeader.identifier(r, 34));
        assertEquals(7, IcmpHeader.sequence(r, 34));
        assertTrue(InternetChecksum.verifies(InternetChecksum.sum(r, 34, IcmpHeader.LENGTH + 56)));
        assertEquals(55, Wire.u8(r, 34 + IcmpHeader.LENGTH + 55));
    }

    @Test
    void deliversValidTcpAndDropsCorruptOnes() {
        peerSends(TestFrames.tcpSegment(
                claimPeer(),
                PEER_MAC,
                STACK_MAC,
                PEER_IP,
                STACK_IP,
                40000,
                80,
                1000,
                0,
                TcpHeader.FLAG_ACK | TcpHeader.FLAG_PSH,
                100,
                false));
        assertEquals(1, handler.segments);
        assertEquals(100, handler.lastPayload);
        assertEquals(1000, handler.lastSequence);
        assertEquals(PEER_MAC, arp.lookup(PEER_IP), "learned from the IPv4 frame");

        MemorySegment f = claimPeer();
        int len = TestFrames.tcpSegment(
                f, PEER_MAC, STACK_MAC, PEER_IP, STACK_IP, 40000, 80, 1100, 0, TcpHeader.FLAG_ACK, 100, false);
        Wire.u8(f, len - 1, Wire.u8(f, len - 1) ^ 0x5A);
        peerSends(len);
        assertEquals(1, handler.segments);
        assertEquals(1, input.counters().tcpBadChecksum);
    }

    @Test
    void acceptsUnverifiedChecksumWhenTheSlotSaysNotReady() {
        MemorySegment f = MemorySegment.ofArray(new byte[200]);
        int len = TestFrames.tcpSegment(
                f, PEER_MAC, STACK_MAC, PEER_IP, STACK_IP, 40000, 80, 1, 0, TcpHeader.FLAG_ACK, 10, true);
        rx.set(f, len, 0);
        assertEquals(0, input.onFrame(rx, 0));
        rx.set(f, len, RxSlot.FLAG_CSUM_NOT_READY);
        assertEquals(1, input.onFrame(rx, 0));
        assertEquals(1, handler.segments);
        assertEquals(1, input.counters().tcpChecksumNotReady);
    }

    @Test
    void dropsFragmentsWrongAddressesAndBadHeaders() {
        MemorySegment f = MemorySegment.ofArray(new byte[200]);
        int len = TestFrames.tcpSegment(
                f, PEER_MAC, STACK_MAC, PEER_IP, STACK_IP, 1, 80, 1, 0, TcpHeader.FLAG_ACK, 10, false);
        Wire.u16(f, 14 + Ipv4Header.FLAGS_FRAGMENT_OFFSET, Ipv4Header.FLAG_MORE_FRAGMENTS);
        Ipv4Header.fillChecksum(f, 14);
        rx.set(f, len, 0);
        input.onFrame(rx, 0);
        assertEquals(1, input.counters().ipv4Fragments);

        len = TestFrames.tcpSegment(
                f, PEER_MAC, STACK_MAC, PEER_IP, PEER_IP, 1, 80, 1, 0, TcpHeader.FLAG_ACK, 10, false);
        rx.set(f, len, 0);
        input.onFrame(rx, 0);
        assertEquals(1, input.counters().ipv4NotOurAddress);

        len = TestFrames.tcpSegment(
                f, PEER_MAC, 0x0200_0000_0099L, PEER_IP, STACK_IP, 1, 80, 1, 0, TcpHeader.FLAG_ACK, 10, false);
        rx.set(f, len, 0);
        input.onFrame(rx, 0);
        assertEquals(1, input.counters().notOurMac);

        len = TestFrames.tcpSegment(
                f, PEER_MAC, STACK_MAC, PEER_IP, STACK_IP, 1, 80, 1, 0, TcpHeader.FLAG_ACK, 10, false);
        rx.set(f, len - 5, 0);
        input.onFrame(rx, 0);
        assertEquals(1, input.counters().ipv4BadTotalLength);

        Wire.u8(f, 14 + Ipv4Header.TTL_OFFSET, 3);
        rx.set(f, len, 0);
        input.onFrame(rx, 0);
        assertEquals(1, input.counters().ipv4BadChecksum);

        len = TestFrames.tcpSegment(
                f, PEER_MAC, STACK_MAC, PEER_IP, STACK_IP, 1, 80, 1, 0, TcpHeader.FLAG_ACK, 10, false);
        TcpHeader.headerLength(f, TestFrames.TCP, 60);
        rx.set(f, len, 0);
        input.onFrame(rx, 0);
        assertEquals(1, input.counters().tcpBadHeaderLength);
        assertEquals(0, handler.segments);
        assertEquals(6, input.counters().dropped());
    }
}
