package dev.atlas.server.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.server.ring.Wire;
import java.lang.foreign.MemorySegment;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class AddressesAndOptionsTest {

    @Property(tries = 200)
    void ipv4RoundTrip(@ForAll int address) {
        assertEquals(address, Ipv4Address.parse(Ipv4Address.format(address)));
    }

    @Property(tries = 200)
    void macRoundTrip(@ForAll @LongRange(min = 0, max = 0xFFFF_FFFF_FFFFL) long mac) {
        assertEquals(mac, MacAddress.parse(MacAddress.format(mac)));
    }

    @Test
    void parsingErrorsAreSentences() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse("198.18.0"));
        assertTrue(e.getMessage().contains("198.18.0.2"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("02:00:00:00:00:zz"));
        assertThrows(IllegalArgumentException.class, () -> InterfaceAddress.parse("02:00:00:00:00:01", "198.18.0.2"));
        InterfaceAddress a = InterfaceAddress.parse("02:00:00:00:00:01", "198.18.0.2/24");
        assertTrue(a.onLink(Ipv4Address.parse("198.18.0.200")));
        assertFalse(a.onLink(Ipv4Address.parse("198.18.1.1")));
    }

    @Property(tries = 100)
    void arpTableFindsWhatItLearned(@ForAll @IntRange(min = 1, max = 3000) int count) {
        ArpTable table = new ArpTable(8192);
        for (int i = 1; i <= count; i++) {
            table.learn(0xC612_0000 + i, 0x0200_0000_0000L + i);
        }
        int found = 0;
        for (int i = 1; i <= count; i++) {
            long mac = table.lookup(0xC612_0000 + i);
            if (mac != ArpTable.MISSING) {
                assertEquals(0x0200_0000_0000L + i, mac);
                found++;
            }
        }
        // With a load factor under 0.4 and eight probes nearly nothing is evicted.
        assertTrue(found >= count * 99 / 100, found + " of " + count);
    }

    @Test
    void arpTableStaysBoundedUnderAFlood() {
        ArpTable table = new ArpTable(64);
        for (int i = 1; i <= 100_000; i++) {
            table.learn(i * 7919, 0x0200_0000_0000L | i);
        }
        assertTrue(table.size() <= table.capacity());
        table.learn(Ipv4Address.parse("198.18.0.1"), 0x0200_0000_0001L);
        assertEquals(0x0200_0000_0001L, table.lookup(Ipv4Address.parse("198.18.0.1")));
        assertEquals(ArpTable.MISSING, table.lookup(0));
    }

    @Test
    void optionsRoundTrip() {
        MemorySegment s = MemorySegment.ofArray(new byte[80]);
        int at = TcpHeader.MIN_LENGTH;
        at += TcpOptions.putMss(s, at, 1460);
        at += TcpOptions.putNopNopSackPermitted(s, at);
        at += TcpOptions.putNopNopTimestamp(s, at, 0x11223344, 0x55667788);
        at += TcpOptions.putNopNopSack(s, at, new int[] {100, 300}, new int[] {200, 400}, 2);
        TcpHeader.write(s, 0, 1, 2, 3, 4, at, TcpHeader.FLAG_SYN, 5);
        TcpOptions o = new TcpOptions();
        assertTrue(o.parse(s, 0));
        assertEquals(1460, o.mss());
        assertTrue(o.sackPermitted());
        assertTrue(o.timestampPresent());
        assertEquals(0x11223344, o.timestampValue());
        assertEquals(0x55667788, o.timestampEcho());
        assertEquals(TcpOptions.ABSENT, o.windowScale());
        assertEquals(2, o.sackBlockCount());
        assertEquals(300, o.sackLeft(1));
        assertEquals(400, o.sackRight(1));

        at = TcpHeader.MIN_LENGTH;
        at += TcpOptions.putMss(s, at, 1448);
        at += TcpOptions.putNopWindowScale(s, at, 20);
        TcpHeader.headerLength(s, 0, at);
        assertTrue(o.parse(s, 0));
        assertEquals(1448, o.mss());
        assertEquals(TcpOptions.MAX_WINDOW_SCALE, o.windowScale(), "shifts above 14 are clamped");
        assertEquals(0, o.sackBlockCount());
    }

    @Test
    void malformedOptionsAreRejected() {
        MemorySegment s = MemorySegment.ofArray(new byte[60]);
        TcpHeader.write(s, 0, 1, 2, 3, 4, 24, TcpHeader.FLAG_SYN, 5);
        Wire.u8(s, 20, TcpOptions.KIND_MSS);
        Wire.u8(s, 21, 9);
        TcpOptions o = new TcpOptions();
        assertFalse(o.parse(s, 0));
        assertEquals(TcpOptions.ABSENT, o.mss());
        Wire.u8(s, 21, 0);
        assertFalse(o.parse(s, 0));
    }
}
