package dev.atlas.server.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.server.ring.InternetChecksum;
import dev.atlas.server.ring.Wire;
import java.lang.foreign.MemorySegment;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class InternetChecksumTest {

    /** The textbook definition: add 16-bit big-endian words with end-around carry. */
    private static int naiveFolded(byte[] data, int from, int length) {
        int sum = 0;
        for (int i = 0; i < length; i += 2) {
            int hi = data[from + i] & 0xFF;
            int lo = i + 1 < length ? data[from + i + 1] & 0xFF : 0;
            sum += (hi << 8) | lo;
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return sum;
    }

    @Test
    void rfc1071Example() {
        // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
        byte[] bytes = {0x00, 0x01, (byte) 0xf2, 0x03, (byte) 0xf4, (byte) 0xf5, (byte) 0xf6, (byte) 0xf7};
        assertEquals(
                0xDDF2, InternetChecksum.fold(InternetChecksum.sum(MemorySegment.ofArray(bytes), 0, bytes.length)));
    }

    @Test
    void knownIpv4Header() {
        // A classic example header: 4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7.
        int[] words = {0x4500, 0x0073, 0x0000, 0x4000, 0x4011, 0xb861, 0xc0a8, 0x0001, 0xc0a8, 0x00c7};
        MemorySegment s = MemorySegment.ofArray(new byte[20]);
        for (int i = 0; i < words.length; i++) {
            Wire.u16(s, 2L * i, words[i]);
        }
        assertTrue(Ipv4Header.checksumValid(s, 0));
        Ipv4Header.fillChecksum(s, 0);
        assertEquals(0xB861, Ipv4Header.checksum(s, 0));
    }

    @Property(tries = 300)
    void sumMatchesDefinition(@ForAll @Size(max = 300) byte[] data, @ForAll @IntRange(max = 7) int skew) {
        byte[] padded = new byte[data.length + skew];
        System.arraycopy(data, 0, padded, skew, data.length);
        int folded = InternetChecksum.fold(InternetChecksum.sum(MemorySegment.ofArray(padded), skew, data.length));
        int expected = naiveFolded(padded, skew, data.length);
        // 0x0000 and 0xFFFF are the two ones-complement zeros.
        assertEquals(expected % 0xFFFF, folded % 0xFFFF);
    }

    @Property(tries = 300)
    void incrementalUpdateMatchesRecompute(
            @ForAll @Size(min = 2, max = 64) byte[] data,
            @ForAll int newWord,
            @ForAll @IntRange(max = 31) int position) {
        byte[] even = new byte[(data.length + 1) & ~1];
        System.arraycopy(data, 0, even, 0, data.length);
        MemorySegment s = MemorySegment.ofArray(even);
        int at = (position * 2) % even.length;
        int before = InternetChecksum.checksum(s, 0, even.length);
        int oldWord = Wire.u16(s, at);
        Wire.u16(s, at, newWord & 0xFFFF);
        int after = InternetChecksum.checksum(s, 0, even.length);
        int updated = InternetChecksum.update16(before, oldWord, newWord & 0xFFFF);
        assertEquals(after % 0xFFFF, updated % 0xFFFF);
    }

    @Test
    void tcpChecksumVerifiesAndOffloadFormCompletes() {
        MemorySegment f = MemorySegment.ofArray(new byte[2000]);
        int src = Ipv4Address.parse("198.18.0.1");
        int dst = Ipv4Address.parse("198.18.0.2");
        int len = TestFrames.tcpSegment(f, 1, 2, src, dst, 40000, 80, 12345, 0, TcpHeader.FLAG_ACK, 999, false);
        int tcpLength = len - TestFrames.TCP;
        assertTrue(TcpHeader.checksumValid(f, TestFrames.TCP, tcpLength, src, dst));
        int full = TcpHeader.checksum(f, TestFrames.TCP);
        // A device finishing the offload form must arrive at the same value.
        TcpHeader.checksum(f, TestFrames.TCP, TcpHeader.offloadPseudoHeaderChecksum(src, dst, tcpLength));
        assertEquals(full, InternetChecksum.finish(InternetChecksum.sum(f, TestFrames.TCP, tcpLength)));
    }
}
