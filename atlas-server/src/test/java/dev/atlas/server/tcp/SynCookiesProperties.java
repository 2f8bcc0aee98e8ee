package dev.atlas.server.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** Cookies round-trip for their lifetime and fail for another tuple, another client ISN or old age. */
class SynCookiesProperties {
    private final SynCookies cookies = new SynCookies(0x0123_4567_89AB_CDEFL, 0x7766_5544_3322_1100L);

    @Property(tries = 2000)
    void roundTripsAndRejectsForgeries(
            @ForAll long tuple,
            @ForAll int clientIsn,
            @ForAll @IntRange(min = 0, max = 7) int mssIndex,
            @ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long now,
            @ForAll @LongRange(min = 0, max = SynCookies.PERIOD_NANOS - 1) long later) {
        int iss = cookies.encode(tuple, clientIsn, mssIndex, now);
        assertEquals(mssIndex, cookies.decode(tuple, clientIsn + 1, iss + 1, now + later), "valid within a period");
        assertEquals(-1, cookies.decode(tuple ^ 1, clientIsn + 1, iss + 1, now), "another 4-tuple");
        assertEquals(-1, cookies.decode(tuple, clientIsn + 2, iss + 1, now), "another client ISN");
        assertEquals(
                -1,
                cookies.decode(
                        tuple, clientIsn + 1, iss + 1, now + SynCookies.MAX_AGE_PERIODS * SynCookies.PERIOD_NANOS),
                "too old");
    }

    @Property(tries = 100)
    void timestampCarriesWindowScaleAndSack(
            @ForAll int clock, @ForAll @IntRange(min = -1, max = 14) int wscale, @ForAll boolean sack) {
        int ts = SynCookies.encodeTimestamp(clock, wscale, sack);
        int bits = ts & SynCookies.TS_OPTION_MASK;
        assertEquals(wscale < 0 ? SynCookies.TS_NO_WSCALE : wscale, bits & SynCookies.TS_NO_WSCALE);
        assertEquals(sack, (bits & SynCookies.TS_SACK_BIT) != 0);
        assertTrue(
                ts - clock <= 0 && ts - clock > -2 * (1 << SynCookies.TS_OPTION_BITS),
                "at most 63 ms behind the clock, never ahead");
    }
}
