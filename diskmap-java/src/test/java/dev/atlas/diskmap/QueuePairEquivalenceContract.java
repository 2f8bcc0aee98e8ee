package dev.atlas.diskmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.atlas.diskmap.buffer.DmaBufferPool;
import dev.atlas.diskmap.nvme.NvmeStatus;
import dev.atlas.diskmap.transport.QueueTransport;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Randomized equivalence of a transport against an in-memory reference: many reads, writes and
 * flushes of random sizes (one block to 1 MiB) at random offsets, up to depth - 1 in flight,
 * through {@link NvmeQueuePair}; every read must return exactly the reference's bytes, every
 * callback must run once, and the image file must equal the reference at the end.
 *
 * <p>A transport's test extends this class and says how to open the transport on an image
 * file (which this class creates and fills with random bytes). The seed is printed and is in
 * every failure message; rerun with {@code -Datlas.seed=<seed>}.
 */
public abstract class QueuePairEquivalenceContract {
    private static final int MAX_REQUEST_BYTES = 1 << 20;
    private static final int FLUSH_PER_MILLE = 5;

    /** Opens the transport under test on {@code image} (which exists, with its final size). */
    protected abstract QueueTransport openTransport(Path image, int queueDepth) throws IOException;

    /** Number of random operations. */
    protected int operations() {
        return 100_000;
    }

    protected long imageBytes() {
        return 64L << 20;
    }

    protected int queueDepth() {
        return 32;
    }

    /**
     * Alignment of buffer start addresses inside their DMA buffer; 4096 keeps them page
     * aligned (O_DIRECT needs that), smaller values make PRP1 start mid-page.
     */
    protected int bufferOffsetAlignment() {
        return 4096;
    }

    /** Called once the device is open, e.g. to check the transport's own state later. */
    protected void opened(NvmeDevice device) {}

    private long seed;

    /** This run's seed, already chosen when {@link #openTransport} is called (seed a fault plan with it). */
    protected final long seed() {
        return seed;
    }

    @Test
    @Timeout(300)
    void randomReadsAndWritesMatchReference(@TempDir Path dir) throws IOException {
        final long seed = Long.getLong("atlas.seed", System.nanoTime());
        this.seed = seed;
        System.out.println(getClass().getSimpleName() + " seed " + seed + " (rerun with -Datlas.seed=" + seed + ")");
        final SplittableRandom random = new SplittableRandom(seed);
        final byte[] reference = new byte[Math.toIntExact(imageBytes())];
        random.nextBytes(reference);
        final Path image = dir.resolve("equivalence.img");
        Files.write(image, reference);

        final Run run = new Run(seed, random, reference);
        try (NvmeDevice device = NvmeDevice.over(openTransport(image, queueDepth()), Duration.ofSeconds(30))) {
            opened(device);
            run.execute(device);
        }
        final byte[] onDisk = Files.readAllBytes(image);
        final long mismatch = MemorySegment.ofArray(onDisk).mismatch(MemorySegment.ofArray(reference));
        assertEquals(-1L, mismatch, "seed " + seed + ": image differs from the reference at byte " + mismatch);
        System.out.println(getClass().getSimpleName() + " seed " + seed + ": " + run.reads + " reads, " + run.writes
                + " writes, " + run.flushes + " flushes, " + run.bytes + " bytes verified");
    }

    /** One randomized run; also the callback of every request (token = slot). */
    private final class Run implements NvmeCallback {
        private static final int READ = 0;
        private static final int WRITE = 1;
        private static final int FLUSH = 2;

        final long seed;
        final SplittableRandom random;
        final byte[] reference;
        final MemorySegment referenceSegment;
        NvmeDevice device;
        DmaBufferPool pool;
        int blockSize;
        long blockCount;
        int slots;
        int[] slotKind;
        long[] slotLba;
        int[] slotBlocks;
        int[] slotBuffer;
        long[] slotAddress;
        boolean[] slotBusy;
        int[] freeSlots;
        int freeSlotCount;
        long reads;
        long writes;
        long flushes;
        long bytes;

        Run(long seed, SplittableRandom random, byte[] reference) {
            this.seed = seed;
            this.random = random;
            this.reference = reference;
            this.referenceSegment = MemorySegment.ofArray(reference);
        }

        void execute(NvmeDevice device) {
            this.device = device;
            this.blockSize = device.geometry().blockSize();
            this.blockCount = device.geometry().blockCount();
            this.slots = device.queuePair().queueDepth() - 1;
            this.pool = device.allocateBuffers(slots, MAX_REQUEST_BYTES + DmaBufferPool.PAGE_SIZE);
            slotKind = new int[slots];
            slotLba = new long[slots];
            slotBlocks = new int[slots];
            slotBuffer = new int[slots];
            slotAddress = new long[slots];
            slotBusy = new boolean[slots];
            freeSlots = new int[slots];
            for (int i = 0; i < slots; i++) {
                freeSlots[freeSlotCount++] = i;
            }
            final NvmeQueuePair queuePair = device.queuePair();
            final int maxBlocks = MAX_REQUEST_BYTES / blockSize;
            for (int op = 0; op < operations(); op++) {
                final int kind = random.nextInt(1000) < FLUSH_PER_MILLE ? FLUSH : random.nextInt(2);
                final int blocks = kind == FLUSH ? 0 : randomBlocks(maxBlocks);
                final long lba = kind == FLUSH ? 0 : random.nextLong(blockCount - blocks + 1);
                while (freeSlotCount == 0 || conflicts(kind, lba, blocks)) {
                    progress(queuePair);
                }
                final int slot = freeSlots[--freeSlotCount];
                slotBusy[slot] = true;
                slotKind[slot] = kind;
                slotLba[slot] = lba;
                slotBlocks[slot] = blocks;
                int id;
                if (kind == FLUSH) {
                    slotBuffer[slot] = DmaBufferPool.NO_BUFFER;
                    while ((id = queuePair.flush(this, slot)) == NvmeQueuePair.QUEUE_FULL) {
                        queuePair.sqsync();
                        progress(queuePair);
                    }
                    flushes++;
                } else {
                    final int buffer = pool.acquire();
                    assertTrue(buffer >= 0, "seed " + seed + ": no free buffer with a free slot");
                    final long offsetInBuffer = (long) random.nextInt(DmaBufferPool.PAGE_SIZE / bufferOffsetAlignment())
                            * bufferOffsetAlignment();
                    final long address = pool.address(buffer) + offsetInBuffer;
                    slotBuffer[slot] = buffer;
                    slotAddress[slot] = address;
                    final int length = blocks * blockSize;
                    final MemorySegment data = pool.buffer(buffer).asSlice(offsetInBuffer, length);
                    if (kind == WRITE) {
                        fillRandom(data);
                        MemorySegment.copy(data, 0, referenceSegment, lba * blockSize, length);
                        writes++;
                    } else {
                        data.fill((byte) 0xEE); // stale bytes must not pass for data
                        reads++;
                    }
                    while ((id = kind == WRITE
                                    ? queuePair.write(lba, blocks, address, this, slot)
                                    : queuePair.read(lba, blocks, address, this, slot))
                            == NvmeQueuePair.QUEUE_FULL) {
                        queuePair.sqsync();
                        progress(queuePair);
                    }
                    bytes += length;
                }
                assertTrue(id >= 0, "seed " + seed + ": submission returned " + id);
                if (random.nextInt(4) == 0) {
                    queuePair.sqsync();
                }
                if (random.nextInt(8) == 0) {
                    progress(queuePair);
                }
            }
            queuePair.sqsync();
            while (freeSlotCount < slots) {
                progress(queuePair);
            }
            assertEquals(0, queuePair.requestsInFlight(), "seed " + seed);
            assertEquals(0, queuePair.commandsInFlight(), "seed " + seed);
            assertEquals(0, pool.buffersInUse(), "seed " + seed);
        }

        /** Mostly small requests, some large: the average stays near 32 KiB so the run is quick. */
        private int randomBlocks(int maxBlocks) {
            final int band = random.nextInt(100);
            final int limit = band < 90
                    ? Math.max(1, 16384 / blockSize)
                    : band < 99 ? Math.max(1, 262144 / blockSize) : maxBlocks;
            return 1 + random.nextInt(limit);
        }

        private boolean conflicts(int kind, long lba, int blocks) {
            if (kind == FLUSH) {
                return false;
            }
            for (int slot = 0; slot < slots; slot++) {
                if (!slotBusy[slot] || slotKind[slot] == FLUSH) {
                    continue;
                }
                if (kind == READ && slotKind[slot] == READ) {
                    continue;
                }
                final long otherStart = slotLba[slot];
                final long otherEnd = otherStart + slotBlocks[slot];
                if (lba < otherEnd && otherStart < lba + blocks) {
                    return true;
                }
            }
            return false;
        }

        private void progress(NvmeQueuePair queuePair) {
            queuePair.sqsync();
            if (queuePair.consumeCompletions(slots) > 0) {
                queuePair.cqsync();
            } else {
                Thread.onSpinWait();
            }
        }

        private void fillRandom(MemorySegment data) {
            final long longs = data.byteSize() / Long.BYTES;
            for (long i = 0; i < longs; i++) {
                data.set(ValueLayout.JAVA_LONG_UNALIGNED, i * Long.BYTES, random.nextLong());
            }
        }

        @Override
        @SuppressWarnings("restricted") // views the request's bytes at the address it was submitted with
        public void onComplete(long token, int status) {
            final int slot = (int) token;
            if (slot < 0 || slot >= slots || !slotBusy[slot]) {
                fail("seed " + seed + ": callback for request slot " + token + " which is not in flight (duplicate?)");
            }
            if (!NvmeStatus.isSuccess(status)) {
                fail("seed " + seed + ": " + kindName(slotKind[slot]) + " of " + slotBlocks[slot] + " blocks at LBA "
                        + slotLba[slot] + " failed: " + NvmeStatus.describe(status));
            }
            if (slotKind[slot] == READ) {
                final int length = slotBlocks[slot] * blockSize;
                final MemorySegment data =
                        MemorySegment.ofAddress(slotAddress[slot]).reinterpret(length);
                final long expectedAt = slotLba[slot] * blockSize;
                final long mismatch = data.mismatch(referenceSegment.asSlice(expectedAt, length));
                if (mismatch != -1) {
                    fail("seed " + seed + ": read of " + slotBlocks[slot] + " blocks at LBA " + slotLba[slot]
                            + " differs from the reference at byte " + mismatch + " of the request");
                }
            }
            if (slotBuffer[slot] != DmaBufferPool.NO_BUFFER) {
                pool.release(slotBuffer[slot]);
            }
            slotBusy[slot] = false;
            freeSlots[freeSlotCount++] = slot;
        }

        private static String kindName(int kind) {
            return kind == READ ? "read" : kind == WRITE ? "write" : "flush";
        }
    }
}
