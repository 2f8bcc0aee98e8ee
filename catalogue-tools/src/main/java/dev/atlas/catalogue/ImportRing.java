package dev.atlas.catalogue;

import dev.atlas.catalogue.device.BlockDevice;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.Future;

/**
 * One device's import buffers, taken in turn by every chunk of every file an import writes to
 * that device. A buffer is handed out again only once the device has written it and the hasher
 * has hashed it, so up to {@link CatalogueLayout#IMPORT_BUFFERS} - 1 chunks are in flight while
 * the next is read, also across the end of one file and the start of the next.
 */
final class ImportRing {

    private final BlockDevice device;
    private final MemorySegment[] buffers;
    private final long[] written;
    private final Future<?>[] hashed;
    private int next;

    ImportRing(BlockDevice device) {
        this.device = device;
        final MemorySegment all =
                device.allocateBuffer((long) CatalogueLayout.IMPORT_BUFFERS * CatalogueLayout.TRANSFER_BYTES);
        buffers = new MemorySegment[CatalogueLayout.IMPORT_BUFFERS];
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = all.asSlice((long) i * CatalogueLayout.TRANSFER_BYTES, CatalogueLayout.TRANSFER_BYTES);
        }
        written = new long[buffers.length];
        Arrays.fill(written, BlockDevice.NO_TICKET);
        hashed = new Future<?>[buffers.length];
    }

    BlockDevice device() {
        return device;
    }

    /** The next buffer, once its previous chunk is written and hashed; throws if a write failed. */
    MemorySegment take() {
        device.awaitWrite(written[next]);
        ChunkHasher.await(hashed[next]);
        return buffers[next];
    }

    /** The buffer from {@link #take} is being written ({@code ticket}) and hashed ({@code receipt}). */
    void inFlight(long ticket, Future<?> receipt) {
        written[next] = ticket;
        hashed[next] = receipt;
        next = next + 1 == buffers.length ? 0 : next + 1;
    }

    /** Waits until every chunk is written and hashed; throws if a write failed. */
    void drain() {
        device.awaitWrites();
        for (Future<?> receipt : hashed) {
            ChunkHasher.await(receipt);
        }
    }
}
