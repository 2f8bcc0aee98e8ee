package dev.atlas.server.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.atlas.server.memory.MemoryWire;
import dev.atlas.server.ring.RxSlot;
import java.lang.foreign.MemorySegment;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzzing FrameInput: random frames and valid frames with random bytes overwritten never make it
 * throw, every segment it hands on lies inside the frame, and a valid segment after the noise is
 * still delivered intact.
 */
class FrameInputFuzzTest {
    private static MemoryWire wire;
    private static FrameInput input;
    private static FrameInputTest.RecordingHandler handler;
    private static final RxSlot RX = new RxSlot();

    @BeforeContainer
    static void setUp() {
        wire = new MemoryWire(7);
        handler = new FrameInputTest.RecordingHandler();
        input = new FrameInput(
                new InterfaceAddress(FrameInputTest.STACK_MAC, FrameInputTest.STACK_IP, 24),
                new ArpTable(64),
                wire.a(),
                handler);
    }

    @AfterContainer
    static void tearDown() {
        wire.close();
    }

    private static void offer(MemorySegment frame, int length, int flags) {
        RX.set(frame, length, flags);
        input.onFrame(RX, 0);
        // Replies go out and are reaped so the TX ring never fills during the run.
        wire.a().txSync();
        wire.a().txReap();
        wire.b().rxSync();
        wire.b().rxRelease();
        while (wire.b().rxNext(RX)) {
            wire.b().rxRelease();
        }
    }

    @Property(tries = 2000)
    void randomBytesNeverThrow(@ForAll @Size(max = 1600) byte[] frame, @ForAll boolean csumNotReady) {
        offer(MemorySegment.ofArray(frame), frame.length, csumNotReady ? RxSlot.FLAG_CSUM_NOT_READY : 0);
    }

    @Provide
    Arbitrary<List<int[]>> mutations() {
        Arbitrary<int[]> one = Combinators.combine(
                        Arbitraries.integers().between(0, 200),
                        Arbitraries.integers().between(0, 255))
                .as((at, value) -> new int[] {at, value});
        return one.list().ofMinSize(1).ofMaxSize(6);
    }

    @Property(tries = 3000)
    void mutatedValidFramesNeverThrowAndValidOnesStillPass(
            @ForAll("mutations") List<int[]> mutations, @ForAll boolean csumNotReady, @ForAll int kind) {
        MemorySegment f = MemorySegment.ofArray(new byte[256]);
        int length = switch (Math.floorMod(kind, 3)) {
            case 0 ->
                TestFrames.arpRequest(f, FrameInputTest.PEER_MAC, FrameInputTest.PEER_IP, FrameInputTest.STACK_IP);
            case 1 ->
                TestFrames.echoRequest(
                        f,
                        FrameInputTest.PEER_MAC,
                        FrameInputTest.STACK_MAC,
                        FrameInputTest.PEER_IP,
                        FrameInputTest.STACK_IP,
                        1,
                        2,
                        40);
            default ->
                TestFrames.tcpSegment(
                        f,
                        FrameInputTest.PEER_MAC,
                        FrameInputTest.STACK_MAC,
                        FrameInputTest.PEER_IP,
                        FrameInputTest.STACK_IP,
                        40000,
                        80,
                        5,
                        6,
                        TcpHeader.FLAG_ACK,
                        60,
                        false);
        };
        int claimed = length;
        for (int[] m : mutations) {
            if (m[0] == 200) {
                claimed = Math.max(0, claimed - m[1]);
            } else {
                f.set(java.lang.foreign.ValueLayout.JAVA_BYTE, m[0], (byte) m[1]);
            }
        }
        offer(f, claimed, csumNotReady ? RxSlot.FLAG_CSUM_NOT_READY : 0);

        MemorySegment good = MemorySegment.ofArray(new byte[256]);
        int goodLength = TestFrames.tcpSegment(
                good,
                FrameInputTest.PEER_MAC,
                FrameInputTest.STACK_MAC,
                FrameInputTest.PEER_IP,
                FrameInputTest.STACK_IP,
                40001,
                80,
                777,
                1,
                TcpHeader.FLAG_ACK,
                33,
                false);
        int before = handler.segments;
        offer(good, goodLength, 0);
        assertEquals(before + 1, handler.segments);
        assertEquals(33, handler.lastPayload);
        assertEquals(777, handler.lastSequence);
    }
}
