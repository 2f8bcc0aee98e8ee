package dev.atlas.bench.middlebox;

import dev.atlas.server.ring.RxSlot;
import dev.atlas.server.ring.TxSlot;
import dev.atlas.server.ring.afpacket.AfPacketConfig;
import dev.atlas.server.ring.afpacket.AfPacketException;
import dev.atlas.server.ring.afpacket.AfPacketRing;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The delay middlebox (DESIGN.md §13), run inside the mbox namespace. It receives client→server
 * frames on the bridge port {@code --in} with an AF_PACKET RX ring (the kernel's bridged copy is
 * dropped by an nftables rule), hashes each flow to a delay band, drops a seeded fraction of
 * IPv4 frames, copies the rest into a preallocated pool, and sends each on through the port
 * {@code --out} with an AF_PACKET TX ring when its band's delay is up. Memory is bounded by the
 * pool: when it is full, frames are dropped and counted. Counters are printed on exit (SIGTERM).
 * One thread, no allocation per frame.
 */
@Command(
        name = "middlebox",
        mixinStandardHelpOptions = true,
        description =
                "Delay middlebox: holds client->server frames per flow for a delay band, drops a fraction, forwards.")
public final class Middlebox implements Callable<Integer> {
    /** Printed once both rings are open; launchers wait for it. */
    public static final String READY_LINE = "middlebox ready";

    private static final int SPINS_BEFORE_PARK = 200;
    private static final long PARK_NANOS = 50_000L;
    private static final int TX_FRAME_SIZE = 4096;
    private static final int TX_FRAMES = 1024;
    private static final int RX_BLOCK_SIZE = 1 << 20;
    private static final int RX_BLOCKS = 8;

    @Option(names = "--in", required = true, description = "Interface frames arrive on (the client-side bridge port).")
    String in;

    @Option(names = "--out", required = true, description = "Interface frames leave by (the server-side bridge port).")
    String out;

    @Option(
            names = "--delay-bands",
            split = ",",
            defaultValue = "10,20,30,40",
            description = "One-way delays in milliseconds; each flow is hashed to one (default: ${DEFAULT-VALUE}).")
    List<Integer> delayBands;

    @Option(
            names = "--loss",
            defaultValue = "0",
            description = "Fraction of IPv4 frames to drop, 0..1 (default: ${DEFAULT-VALUE}).")
    double loss;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the loss draw (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--pool",
            defaultValue = "32768",
            description = "Frames the middlebox may hold at once (default: ${DEFAULT-VALUE}).")
    int poolFrames;

    @Option(
            names = "--frame-size",
            defaultValue = "2048",
            description = "Largest frame held, bytes (default: ${DEFAULT-VALUE}).")
    int frameSize;

    private volatile boolean running = true;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final MiddleboxCounters counters = new MiddleboxCounters();
    private long random;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Middlebox()).execute(args));
    }

    @Override
    public Integer call() {
        if (delayBands.isEmpty() || delayBands.stream().anyMatch(d -> d < 0 || d > 10_000)) {
            System.err.println("middlebox: --delay-bands needs one or more delays of 0..10000 ms, e.g. 10,20,30,40");
            return 2;
        }
        if (loss < 0 || loss > 1) {
            System.err.println("middlebox: --loss must be a fraction between 0 and 1, not " + loss);
            return 2;
        }
        random = seed;
        try (Arena arena = Arena.ofShared();
                AfPacketRing rx = AfPacketRing.open(AfPacketConfig.defaults(in)
                        .withRx(RX_BLOCK_SIZE, RX_BLOCKS)
                        .withTx(0, 0));
                AfPacketRing tx = AfPacketRing.open(
                        AfPacketConfig.defaults(out).withRx(RX_BLOCK_SIZE, 0).withTx(TX_FRAME_SIZE, TX_FRAMES))) {
            FramePool pool = new FramePool(arena, poolFrames, Math.min(frameSize, tx.slotCapacity()));
            DelayBand[] bands = new DelayBand[delayBands.size()];
            for (int i = 0; i < bands.length; i++) {
                bands[i] = new DelayBand(TimeUnit.MILLISECONDS.toNanos(delayBands.get(i)), poolFrames);
            }
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                running = false;
                                try {
                                    stopped.await(2, TimeUnit.SECONDS);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                                System.out.println("middlebox counters: " + counters.describe(bands)
                                        + " kernel-rx-drops=" + counters.kernelRxDrops);
                                System.out.flush();
                            },
                            "middlebox-stop"));
            System.out.println(READY_LINE + ": in " + in + ", out " + out + ", delay bands " + delayBands + " ms, loss "
                    + String.format(Locale.ROOT, "%.4f", loss) + ", pool " + poolFrames + " x " + pool.frameSize()
                    + " B");
            System.out.flush();
            run(rx, tx, pool, bands);
            counters.kernelRxDrops = rx.kernelRxDrops();
            return 0;
        } catch (AfPacketException e) {
            System.err.println("middlebox: " + e.getMessage());
            return 1;
        } finally {
            stopped.countDown();
        }
    }

    private void run(AfPacketRing rxRing, AfPacketRing txRing, FramePool pool, DelayBand[] bands) {
        RxSlot rx = new RxSlot();
        TxSlot tx = new TxSlot();
        int idle = 0;
        while (running) {
            long now = System.nanoTime();
            int work = 0;
            rxRing.rxSync();
            while (rxRing.rxNext(rx)) {
                admit(rx, pool, bands, now);
                work++;
            }
            rxRing.rxRelease();
            for (DelayBand band : bands) {
                work += release(band, pool, txRing, tx, now);
            }
            work += txRing.txSync();
            txRing.txReap();
            if (work > 0) {
                idle = 0;
            } else if (++idle > SPINS_BEFORE_PARK) {
                // Delays are milliseconds; a 50 µs nap costs little precision and no core.
                LockSupport.parkNanos(PARK_NANOS);
            } else {
                Thread.onSpinWait();
            }
        }
    }

    private void admit(RxSlot rx, FramePool pool, DelayBand[] bands, long now) {
        counters.received++;
        MemorySegment frame = rx.frame();
        int at = rx.offset();
        int length = rx.length();
        if (length > pool.frameSize()) {
            counters.droppedOversize++;
            return;
        }
        if (loss > 0 && FlowHash.isIpv4(frame, at, length) && nextDouble() < loss) {
            counters.droppedLoss++;
            return;
        }
        int b = pool.take();
        if (b < 0) {
            counters.droppedPoolFull++;
            return;
        }
        MemorySegment.copy(frame, at, pool.frame(b), 0, length);
        pool.length(b, length);
        bands[Math.floorMod(FlowHash.of(frame, at, length), bands.length)].hold(b, now);
        counters.maxHeld = Math.max(counters.maxHeld, pool.inUse());
    }

    private int release(DelayBand band, FramePool pool, AfPacketRing txRing, TxSlot tx, long now) {
        int sent = 0;
        while (!band.isEmpty() && band.headDue() - now <= 0) {
            if (!txRing.txClaim(tx)) {
                counters.txRingFull++;
                break;
            }
            int b = band.headFrame();
            int length = pool.length(b);
            MemorySegment.copy(pool.frame(b), 0, tx.frame(), 0, length);
            txRing.txCommit(tx.length(length));
            band.pop();
            pool.release(b);
            counters.forwarded++;
            sent++;
        }
        return sent;
    }

    /** SplitMix64: a seeded, allocation-free loss draw. */
    private double nextDouble() {
        long z = (random += 0x9E37_79B9_7F4A_7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        z = z ^ (z >>> 31);
        return (z >>> 11) * 0x1.0p-53;
    }
}
