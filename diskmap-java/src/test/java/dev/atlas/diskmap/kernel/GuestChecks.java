package dev.atlas.diskmap.kernel;

import dev.atlas.diskmap.NvmeCallback;
import dev.atlas.diskmap.NvmeDevice;
import dev.atlas.diskmap.NvmeQueuePair;
import dev.atlas.diskmap.Transport;
import dev.atlas.diskmap.buffer.DmaBufferPool;
import dev.atlas.diskmap.nvme.NvmeCommand;
import dev.atlas.diskmap.nvme.NvmeCommandDescriptor;
import dev.atlas.diskmap.nvme.NvmeCompletion;
import dev.atlas.diskmap.nvme.NvmeCompletionDescriptor;
import dev.atlas.diskmap.nvme.NvmeStatus;
import dev.atlas.diskmap.transport.DiskmapException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * What runs inside the QEMU guest (see {@code kernel-module/guest/}): each check prints one line
 * {@code diskmap-check: NAME ok|FAIL detail} on the console, which the host test reads back.
 *
 * <pre>
 *   GuestChecks diskmap  /dev/diskmap0                  module checks (data, safety, ownership, bench)
 *   GuestChecks flood    /dev/diskmap0                  I/O on queue 1 until killed
 *   GuestChecks stock    /dev/ng0n1 /dev/nvme0n1        passthru and file after the module let go
 * </pre>
 */
public final class GuestChecks {
    static final String PREFIX = "diskmap-check: ";
    static final String BENCH = "diskmap-bench: ";
    /** Blocks at and after this LBA are rewritten by the checks; the pattern before it is kept. */
    static final long SCRATCH_FRACTION = 2;
    /** The block the module phase writes and the stock-driver phase reads back. */
    static final long HANDOFF_LBA_FROM_END = 8;

    static final int BENCH_SECONDS = 3;

    private int failures;

    public static void main(String[] args) throws Exception {
        GuestChecks checks = new GuestChecks();
        switch (args[0]) {
            case "diskmap" -> checks.moduleChecks(Path.of(args[1]));
            case "flood" -> flood(Path.of(args[1]));
            case "stock" -> checks.stockChecks(Path.of(args[1]), Path.of(args[2]));
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        System.out.println(
                PREFIX + "summary " + (checks.failures == 0 ? "ok" : "FAIL") + " " + checks.failures + " failed");
        System.exit(checks.failures == 0 ? 0 : 1);
    }

    interface Check {
        String run() throws Exception;
    }

    void check(String name, Check check) {
        long start = System.nanoTime();
        try {
            String detail = check.run();
            System.out.printf("%s%s ok %s (%d ms)%n", PREFIX, name, detail, (System.nanoTime() - start) / 1_000_000);
        } catch (Throwable t) {
            failures++;
            System.out.println(PREFIX + name + " FAIL " + t);
            t.printStackTrace(System.out);
        }
    }

    // ---- module phase ----

    void moduleChecks(Path device) throws Exception {
        NvmeDevice.Options options =
                NvmeDevice.Options.defaults().withQueueDepth(8).withSyncTimeout(Duration.ofSeconds(20));
        check("ownership", () -> ownership(device));
        try (NvmeDevice disk = NvmeDevice.open(device, Transport.DISKMAP, options)) {
            check("diskmap-read-pattern", () -> readPattern(disk));
            check("diskmap-write-read", () -> writeRead(disk, 11));
            check("diskmap-handoff-write", () -> writeHandoff(disk));
        }
        check("diskmap-safety", () -> safety(device));
        try (NvmeDevice disk = NvmeDevice.open(
                device, Transport.DISKMAP, NvmeDevice.Options.defaults().withQueueDepth(32))) {
            check("diskmap-bench", () -> bench(disk));
        }
    }

    /** A second process cannot take a queue pair that another owns; killing the owner frees it. */
    private String ownership(Path device) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process flooder = new ProcessBuilder(
                        java,
                        "-XX:TieredStopAtLevel=1",
                        "-XX:+UseSerialGC",
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        GuestChecks.class.getName(),
                        "flood",
                        device.toString())
                .redirectErrorStream(true)
                .start();
        BufferedReader out =
                new BufferedReader(new InputStreamReader(flooder.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("flooding")) {
            System.out.println("flood: " + line);
        }
        if (line == null) {
            throw new AssertionError("the flooding process ended before it attached: exit " + flooder.waitFor());
        }
        String refused;
        try (DiskmapTransport stolen = DiskmapTransport.open(device, 8, 1)) {
            throw new AssertionError("queue 1 was attached a second time, by pid "
                    + ProcessHandle.current().pid());
        } catch (DiskmapException expected) {
            if (!expected.getMessage().contains("Device or resource busy")) {
                throw expected;
            }
            refused = expected.getMessage();
        }
        // Meanwhile another queue pair of the same controller serves this process.
        String beside;
        try (NvmeDevice other = NvmeDevice.over(DiskmapTransport.open(device, 8), Duration.ofSeconds(20))) {
            beside = "queue " + ((DiskmapTransport) other.transport()).queueId() + " beside it: " + readPattern(other);
        }
        flooder.destroyForcibly(); // SIGKILL in the middle of its I/O
        if (!flooder.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the killed flooding process did not exit");
        }
        try (NvmeDevice disk = NvmeDevice.over(DiskmapTransport.open(device, 8, 1), Duration.ofSeconds(20))) {
            readPattern(disk);
        }
        return "second process refused (" + refused + "); " + beside
                + "; after SIGKILL mid-I/O queue 1 attached again and read back";
    }

    /** Reads and writes on queue 1 as fast as it can until it is killed. */
    static void flood(Path device) {
        try (NvmeDevice disk = NvmeDevice.over(DiskmapTransport.open(device, 16, 1), Duration.ofSeconds(20))) {
            DmaBufferPool pool = disk.allocateBuffers(15, 64 * 1024);
            long scratch = disk.geometry().blockCount() / SCRATCH_FRACTION;
            int blocks = 64 * 1024 / disk.geometry().blockSize();
            NvmeCallback ignore = (token, status) -> {};
            SplittableRandom random = new SplittableRandom(5);
            boolean announced = false;
            while (true) {
                for (int i = 0; i < pool.bufferCount(); i++) {
                    long lba = scratch + random.nextLong(disk.geometry().blockCount() - scratch - blocks);
                    if ((i & 1) == 0) {
                        disk.read(lba, blocks, pool.address(i), ignore, i);
                    } else {
                        disk.write(lba, blocks, pool.address(i), ignore, i);
                    }
                }
                disk.sqsync();
                if (!announced) {
                    System.out.println("flooding queue 1");
                    System.out.flush();
                    announced = true;
                }
                while (disk.queuePair().commandsInFlight() > 4) {
                    if (disk.consumeCompletions(16) > 0) {
                        disk.cqsync();
                    }
                }
            }
        }
    }

    private static final int[] SIZES_IN_BLOCKS = {1, 3, 8, 9, 16, 63, 64, 200, 1024, 1500, 2048};

    /** Random reads of several sizes, some into buffers at an offset, all checked against the pattern. */
    static String readPattern(NvmeDevice disk) {
        int blockSize = disk.geometry().blockSize();
        long blockCount = disk.geometry().blockCount() / SCRATCH_FRACTION;
        int maxBlocks = SIZES_IN_BLOCKS[SIZES_IN_BLOCKS.length - 1];
        DmaBufferPool pool = disk.allocateBuffers(2, align((long) maxBlocks * blockSize + 4096));
        SplittableRandom random = new SplittableRandom(7);
        long bytes = 0;
        int reads = 0;
        for (int round = 0; round < 4; round++) {
            for (int blocks : SIZES_IN_BLOCKS) {
                long lba = random.nextLong(blockCount - blocks);
                // Offsets exercise PRP1 in the middle of a page (the module checks both cases).
                int offset = round % 2 == 0 ? 0 : 512;
                MemorySegment buffer = pool.buffer(round % 2).asSlice(offset, (long) blocks * blockSize);
                buffer.fill((byte) 0);
                disk.readSync(lba, blocks, buffer);
                long bad = GuestPattern.firstMismatch(buffer, lba * blockSize, buffer.byteSize());
                if (bad >= 0) {
                    throw new AssertionError("read of " + blocks + " blocks at LBA " + lba + " differs at byte " + bad);
                }
                bytes += buffer.byteSize();
                reads++;
            }
        }
        return reads + " reads, " + bytes + " bytes byte-exact, sizes up to " + maxBlocks * blockSize + " bytes (MDTS "
                + disk.geometry().maxTransferBytes() + ")";
    }

    /**
     * Many asynchronous writes then reads of random data, more requests than the queue holds (it
     * wraps around many times), sizes from one block to more than one command may carry.
     */
    static String writeRead(NvmeDevice disk, long seed) {
        int blockSize = disk.geometry().blockSize();
        long first = disk.geometry().blockCount() / SCRATCH_FRACTION;
        long span = disk.geometry().blockCount() - first - HANDOFF_LBA_FROM_END * 2;
        int requests = 40;
        int maxBlocks = (int) Math.min(2 * disk.geometry().maxTransferBytes() / blockSize + 1, 4096);
        DmaBufferPool written = disk.allocateBuffers(requests, align((long) maxBlocks * blockSize));
        DmaBufferPool read = disk.allocateBuffers(requests, align((long) maxBlocks * blockSize));
        SplittableRandom random = new SplittableRandom(seed);
        long[] lba = new long[requests];
        int[] blocks = new int[requests];
        // Non-overlapping extents: slot i of span / requests blocks each.
        long slot = span / requests;
        for (int i = 0; i < requests; i++) {
            blocks[i] = 1 + random.nextInt((int) Math.min(maxBlocks, slot));
            lba[i] = first + i * slot + random.nextLong(slot - blocks[i] + 1);
            byte[] data = new byte[blocks[i] * blockSize];
            random.nextBytes(data);
            MemorySegment.copy(MemorySegment.ofArray(data), 0, written.buffer(i), 0, data.length);
        }
        long before = disk.queuePair().submittedCommands();
        runAll(disk, requests, i -> disk.write(lba[i], blocks[i], written.address(i), COUNT, i));
        disk.flushSync();
        runAll(disk, requests, i -> disk.read(lba[i], blocks[i], read.address(i), COUNT, i));
        long commands = disk.queuePair().submittedCommands() - before;
        long bytes = 0;
        for (int i = 0; i < requests; i++) {
            long length = (long) blocks[i] * blockSize;
            if (read.buffer(i).asSlice(0, length).mismatch(written.buffer(i).asSlice(0, length)) >= 0) {
                throw new AssertionError(
                        "request " + i + " (" + blocks[i] + " blocks at LBA " + lba[i] + ") read back different bytes");
            }
            bytes += length;
        }
        return requests + " writes + " + requests + " reads (" + commands + " commands through a queue of "
                + disk.queuePair().queueDepth() + ", largest " + maxBlocks * blockSize + " bytes), " + bytes
                + " bytes byte-exact";
    }

    interface Submit {
        int submit(int index);
    }

    private static final CountingCallback COUNT = new CountingCallback();

    static final class CountingCallback implements NvmeCallback {
        int done;
        int failed;
        int lastFailure;

        @Override
        public void onComplete(long token, int status) {
            done++;
            if (!NvmeStatus.isSuccess(status)) {
                failed++;
                lastFailure = status;
            }
        }
    }

    /** Submits {@code count} requests, as many at a time as the queue takes, and waits for all. */
    static void runAll(NvmeDevice disk, int count, Submit submit) {
        COUNT.done = 0;
        COUNT.failed = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int next = 0;
        while (COUNT.done < count) {
            while (next < count && submit.submit(next) != NvmeQueuePair.QUEUE_FULL) {
                next++;
            }
            disk.sqsync();
            if (disk.consumeCompletions(64) > 0) {
                disk.cqsync();
            } else if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + COUNT.done + " of " + count + " requests completed in 60 s");
            }
        }
        if (COUNT.failed > 0) {
            throw new AssertionError(COUNT.failed + " requests failed, e.g. " + NvmeStatus.describe(COUNT.lastFailure));
        }
    }

    static String writeHandoff(NvmeDevice disk) {
        int blockSize = disk.geometry().blockSize();
        long lba = disk.geometry().blockCount() - HANDOFF_LBA_FROM_END;
        DmaBufferPool pool = disk.allocateBuffers(1, align(HANDOFF_LBA_FROM_END * blockSize));
        fillHandoff(pool.buffer(0), HANDOFF_LBA_FROM_END * blockSize);
        disk.writeSync(lba, (int) HANDOFF_LBA_FROM_END, pool.buffer(0));
        disk.flushSync();
        return HANDOFF_LBA_FROM_END + " blocks at LBA " + lba + " written for the stock driver to find";
    }

    static void fillHandoff(MemorySegment buffer, long length) {
        for (long i = 0; i < length; i += Long.BYTES) {
            buffer.set(ValueLayout.JAVA_LONG_UNALIGNED, i, ~GuestPattern.word(i) ^ 0x4449534B4D4150L);
        }
    }

    // ---- safety: hand-built commands against the doorbell ioctl ----

    private String safety(Path device) throws Exception {
        List<String> seen = new ArrayList<>();
        try (DiskmapTransport transport = DiskmapTransport.open(device, 8)) {
            RawQueue queue = new RawQueue(transport);
            DmaBufferPool pool = new DmaBufferPool(4, 16384);
            try {
                transport.registerMemory(pool.region());
                long[] bus = transport.busPages(pool.region());
                int nsid = transport.geometry().namespaceId();
                int blockSize = transport.geometry().blockSize();
                int maxBlocks = transport.geometry().maxTransferBytes() / blockSize;
                // A page no process registered: page frame 1 of physical memory (the kernel's).
                long foreign = 0x1000L;
                int blocks16k = 16384 / blockSize;

                expect(queue, seen, Rejection.PRP, c -> c.readBlocks(1, nsid, 0, 1, foreign, 0));
                expect(queue, seen, Rejection.PRP, c -> c.readBlocks(1, nsid, 0, 8192 / blockSize, bus[0], foreign));
                expect(queue, seen, Rejection.PRP_LIST, c -> c.readBlocks(1, nsid, 0, blocks16k, bus[0], foreign));
                // A list inside the pool whose second entry points outside it.
                MemorySegment list = pool.buffer(3);
                list.set(ValueLayout.JAVA_LONG, 0, bus[1]);
                list.set(ValueLayout.JAVA_LONG, 8, foreign);
                list.set(ValueLayout.JAVA_LONG, 16, bus[2]);
                expect(queue, seen, Rejection.PRP_LIST, c -> c.readBlocks(1, nsid, 0, blocks16k, bus[0], bus[12]));
                expect(
                        queue,
                        seen,
                        Rejection.OPCODE,
                        c -> c.readBlocks(1, nsid, 0, 1, bus[0], 0).opcode(0x06));
                expect(
                        queue,
                        seen,
                        Rejection.OPCODE,
                        c -> c.readBlocks(1, nsid, 0, 1, bus[0], 0).opcode(0x81));
                expect(queue, seen, Rejection.NAMESPACE, c -> c.readBlocks(1, nsid + 1, 0, 1, bus[0], 0));
                expect(queue, seen, Rejection.NAMESPACE, c -> c.readBlocks(1, -1, 0, 1, bus[0], 0));
                expect(
                        queue,
                        seen,
                        Rejection.LENGTH,
                        c -> c.readBlocks(1, nsid, 0, Math.min(maxBlocks + 1, 65536), bus[0], bus[12]));
                expect(
                        queue,
                        seen,
                        Rejection.FORMAT,
                        c -> c.readBlocks(1, nsid, 0, 1, bus[0], 0).metadataPointer(bus[4]));
                if (transport.doorbell(99, 0) != Rejection.DOORBELL) {
                    throw new AssertionError("a tail outside the queue was not refused");
                }
                seen.add(Rejection.DOORBELL.name());
                // The queue still serves valid commands, including one with a proper PRP list.
                list.set(ValueLayout.JAVA_LONG, 8, bus[2]);
                list.set(ValueLayout.JAVA_LONG, 16, bus[3]);
                MemorySegment data = pool.buffer(0);
                data.fill((byte) 0);
                int status = queue.run(c -> c.readBlocks(1, nsid, 0, blocks16k, bus[0], bus[12]));
                if (!NvmeStatus.isSuccess(status)) {
                    throw new AssertionError("a valid read after the refusals failed: " + NvmeStatus.describe(status));
                }
                // PRP1 and the list name the first buffer's own four pages, in order.
                long bad = GuestPattern.firstMismatch(data, 0, 16384);
                if (bad >= 0) {
                    throw new AssertionError("the valid read after the refusals returned wrong data at byte " + bad);
                }
            } finally {
                transport.close();
                pool.close();
            }
        }
        return "refused " + seen + "; a valid read afterwards completed byte-exact";
    }

    interface Build {
        void build(NvmeCommand command);
    }

    private static void expect(RawQueue queue, List<String> seen, Rejection wanted, Build build) {
        Rejection got = queue.submit(build);
        if (got != wanted) {
            throw new AssertionError("expected the module to refuse with " + wanted + " but it answered " + got);
        }
        seen.add(wanted.name());
    }

    /** Hand-written submission entries on a diskmap queue, polled for their completions. */
    static final class RawQueue {
        private final DiskmapTransport transport;
        private final NvmeCommand command = new NvmeCommand();
        private final NvmeCompletion completion = new NvmeCompletion();
        private final int depth;
        private int tail;
        private int cqHead;
        private int phase = 1;

        RawQueue(DiskmapTransport transport) {
            this.transport = transport;
            this.depth = transport.queueDepth();
        }

        /** Writes one entry at the tail and rings; a refused entry leaves the tail where it was. */
        Rejection submit(Build build) {
            command.wrap(transport.submissionQueue(), (long) tail * NvmeCommandDescriptor.LENGTH);
            build.build(command);
            Rejection rejection = transport.doorbell((tail + 1) % depth, cqHead);
            if (rejection == Rejection.NONE) {
                tail = (tail + 1) % depth;
            } else if (transport.submittedTail() != tail) {
                throw new AssertionError(
                        "the module moved the tail to " + transport.submittedTail() + " after refusing slot " + tail);
            }
            return rejection;
        }

        /** Submits one valid command and waits for its status. */
        int run(Build build) {
            Rejection rejection = submit(build);
            if (rejection != Rejection.NONE) {
                throw new AssertionError("a valid command was refused: " + rejection.sentence());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) {
                completion.wrap(transport.completionQueue(), (long) cqHead * NvmeCompletionDescriptor.LENGTH);
                if (completion.phase() == phase) {
                    int status = completion.status();
                    if (++cqHead == depth) {
                        cqHead = 0;
                        phase ^= 1;
                    }
                    transport.doorbell(tail, cqHead);
                    return status;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no completion within 20 s");
                }
                Thread.onSpinWait();
            }
        }
    }

    // ---- stock-driver phase ----

    void stockChecks(Path generic, Path block) throws Exception {
        NvmeDevice.Options options =
                NvmeDevice.Options.defaults().withQueueDepth(8).withSyncTimeout(Duration.ofSeconds(20));
        try (NvmeDevice disk = NvmeDevice.open(generic, Transport.PASSTHRU, options)) {
            check("handoff-data-visible", () -> readHandoff(disk));
            check("passthru-read-pattern", () -> readPattern(disk));
            check("passthru-write-read", () -> writeRead(disk, 13));
        }
        try (NvmeDevice disk = NvmeDevice.open(block, Transport.FILE, options)) {
            check("file-read-pattern", () -> readPattern(disk));
        }
        NvmeDevice.Options deep = NvmeDevice.Options.defaults().withQueueDepth(32);
        try (NvmeDevice disk = NvmeDevice.open(generic, Transport.PASSTHRU, deep)) {
            check("passthru-bench", () -> bench(disk));
        }
        try (NvmeDevice disk = NvmeDevice.open(block, Transport.FILE, deep)) {
            check("file-bench", () -> bench(disk));
        }
    }

    static String readHandoff(NvmeDevice disk) {
        int blockSize = disk.geometry().blockSize();
        long lba = disk.geometry().blockCount() - HANDOFF_LBA_FROM_END;
        long length = HANDOFF_LBA_FROM_END * blockSize;
        DmaBufferPool pool = disk.allocateBuffers(2, align(length));
        fillHandoff(pool.buffer(1), length);
        disk.readSync(lba, (int) HANDOFF_LBA_FROM_END, pool.buffer(0));
        if (pool.buffer(0).asSlice(0, length).mismatch(pool.buffer(1).asSlice(0, length)) >= 0) {
            throw new AssertionError("the blocks written through diskmap are not what the stock driver reads");
        }
        return "the stock nvme driver reads the " + length + " bytes diskmap wrote";
    }

    // ---- benchmark: random 4 KiB reads at queue depth 31 ----

    static String bench(NvmeDevice disk) {
        int blockSize = disk.geometry().blockSize();
        int blocks = 4096 / blockSize;
        int inFlight = disk.queuePair().queueDepth() - 1;
        DmaBufferPool pool = disk.allocateBuffers(inFlight, 4096);
        long span = disk.geometry().blockCount() - blocks;
        SplittableRandom random = new SplittableRandom(3);
        int[] free = new int[inFlight];
        int[] freeCount = {inFlight};
        for (int i = 0; i < inFlight; i++) {
            free[i] = i;
        }
        long[] done = {0};
        NvmeCallback back = (token, status) -> {
            free[freeCount[0]++] = (int) token;
            done[0]++;
        };
        ProcessHandle self = ProcessHandle.current();
        long cpuBefore = self.info().totalCpuDuration().orElseThrow().toNanos();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(BENCH_SECONDS);
        while (System.nanoTime() < end) {
            while (freeCount[0] > 0) {
                int buffer = free[--freeCount[0]];
                long lba = random.nextLong(span / blocks) * blocks;
                if (disk.read(lba, blocks, pool.address(buffer), back, buffer) == NvmeQueuePair.QUEUE_FULL) {
                    free[freeCount[0]++] = buffer;
                    break;
                }
            }
            disk.sqsync();
            if (disk.consumeCompletions(64) > 0) {
                disk.cqsync();
            }
        }
        long elapsed = System.nanoTime() - start;
        long cpu = self.info().totalCpuDuration().orElseThrow().toNanos() - cpuBefore;
        double iops = done[0] * 1e9 / elapsed;
        double cpuPerIo = done[0] == 0 ? 0 : cpu / 1000.0 / done[0];
        System.out.printf(
                "%stransport=%s qd=%d seconds=%d ios=%d iops=%.0f cpu_us_per_io=%.1f%n",
                BENCH, disk.transport().name(), inFlight, BENCH_SECONDS, done[0], iops, cpuPerIo);
        // Drain what is still in flight before the device closes.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (freeCount[0] < inFlight && System.nanoTime() < deadline) {
            if (disk.consumeCompletions(64) > 0) {
                disk.cqsync();
            }
        }
        if (done[0] == 0) {
            throw new AssertionError("no read completed in " + BENCH_SECONDS + " s");
        }
        return String.format("%.0f IOPS, %.1f us CPU per I/O", iops, cpuPerIo);
    }

    static int align(long bytes) {
        return (int) ((bytes + 4095) / 4096 * 4096);
    }
}
