package dev.atlas.diskmap.buffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DmaBufferPoolTest {

    @Test
    void buffersArePageAlignedSlicesOfOneRegion() {
        try (DmaBufferPool pool = new DmaBufferPool(5, 3 * DmaBufferPool.PAGE_SIZE)) {
            assertEquals(5L * 3 * DmaBufferPool.PAGE_SIZE, pool.region().byteSize());
            assertEquals(0, pool.region().address() % DmaBufferPool.PAGE_SIZE);
            for (int i = 0; i < 5; i++) {
                assertEquals(pool.region().address() + (long) i * pool.bufferSize(), pool.address(i));
                assertEquals(pool.address(i), pool.buffer(i).address());
                assertEquals(pool.bufferSize(), pool.buffer(i).byteSize());
                assertEquals(0, pool.address(i) % DmaBufferPool.PAGE_SIZE);
            }
        }
    }

    @Test
    void lifoReuseAndAccounting() {
        try (DmaBufferPool pool = new DmaBufferPool(3, DmaBufferPool.PAGE_SIZE)) {
            assertEquals(0, pool.acquire());
            assertEquals(1, pool.acquire());
            assertEquals(2, pool.acquire());
            assertEquals(DmaBufferPool.NO_BUFFER, pool.acquire());
            assertEquals(3, pool.buffersInUse());
            assertEquals(3L * DmaBufferPool.PAGE_SIZE, pool.bytesInUse());
            pool.release(0);
            pool.release(2);
            assertEquals(2, pool.acquire(), "the buffer released last is handed out first");
            assertEquals(0, pool.acquire());
            pool.release(1);
            assertEquals(2, pool.buffersInUse());
            assertEquals(2L * DmaBufferPool.PAGE_SIZE, pool.bytesInUse());
        }
    }

    @Test
    void misuseIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new DmaBufferPool(0, 4096));
        assertThrows(IllegalArgumentException.class, () -> new DmaBufferPool(1, 6000));
        try (DmaBufferPool pool = new DmaBufferPool(2, 4096)) {
            int index = pool.acquire();
            pool.release(index);
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> pool.release(index));
            assertEquals("DMA buffer 0 released twice (or never acquired)", twice.getMessage());
        }
    }
}
