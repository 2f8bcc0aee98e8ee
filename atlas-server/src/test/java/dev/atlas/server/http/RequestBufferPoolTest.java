package dev.atlas.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

class RequestBufferPoolTest {
    @Test
    void lifoReuseAndExhaustion() {
        try (Arena arena = Arena.ofConfined()) {
            HttpLimits limits = new HttpLimits(128, 8, 0);
            RequestBufferPool pool = new RequestBufferPool(arena, limits, 2);
            HttpRequest a = pool.acquire();
            HttpRequest b = pool.acquire();
            assertNotSame(a, b);
            assertEquals(128, a.buffer().byteSize());
            assertNull(pool.acquire(), "no third slot");
            assertEquals(0, pool.available());
            pool.release(a);
            assertSame(a, pool.acquire(), "the most recently released slot comes back first");
            HttpRequest stranger = HttpRequestParserTest.newRequest(limits);
            assertThrows(IllegalArgumentException.class, () -> pool.release(stranger));
        }
    }
}
