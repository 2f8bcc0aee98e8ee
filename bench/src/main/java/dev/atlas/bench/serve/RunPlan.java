package dev.atlas.bench.serve;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything a {@code bench serve} invocation will run, fixed before it starts: which servers,
 * which (RTT, content) blocks, the connection counts, how often the spread point is repeated, run
 * lengths and the content and memory sizes.
 *
 * @param servers           every server measured, in the order a block runs them
 * @param blocks            (RTT, content case) pairs, run in this order
 * @param httpsBlocks       the blocks in which the HTTPS servers of {@code servers} run too (the HTTP ones run in all)
 * @param spreadConnections the connection count measured {@code repetitions} times (the others once)
 * @param cgroupBytes       nginx's memory cgroup limit (page cache included)
 */
record RunPlan(
        String mode,
        List<ServerKind> servers,
        List<Block> blocks,
        List<Block> httpsBlocks,
        List<Integer> connections,
        int repetitions,
        int spreadConnections,
        int seconds,
        int warmupSeconds,
        int coldChunks,
        int hotChunks,
        long cgroupBytes,
        List<Integer> delayBandsMillis,
        long seed) {

    /** One (RTT, content case) pair: a topology and a content set measured for every server. */
    record Block(Rtt rtt, ContentCase contentCase) {}

    /**
     * What {@code --quick} runs: a smaller cold set in a smaller cgroup, three connection counts, 4 s runs; HTTPS (Atlas
     * on 1 lane and nginx) only on cold content without delay, the case the HTTPS target is about.
     */
    static RunPlan quick() {
        final Block coldNoDelay = new Block(Rtt.NONE, ContentCase.COLD);
        return new RunPlan(
                "quick",
                List.of(
                        ServerKind.ATLAS_1_LANE,
                        ServerKind.ATLAS_2_LANES,
                        ServerKind.ATLAS_HTTPS,
                        ServerKind.NGINX,
                        ServerKind.NGINX_HTTPS),
                List.of(coldNoDelay, new Block(Rtt.NONE, ContentCase.HOT), new Block(Rtt.BANDS, ContentCase.COLD)),
                List.of(coldNoDelay),
                List.of(10, 100, 1000),
                3,
                100,
                4,
                1,
                3500,
                100,
                64L << 20,
                List.of(10, 20, 30, 40),
                1);
    }

    /** The full run: the thesis's 6 GB cold set against nginx in 256 MB, up to 4,000 connections, HTTPS in every block. */
    static RunPlan full() {
        final List<Block> blocks = new ArrayList<>();
        for (Rtt rtt : Rtt.values()) {
            for (ContentCase c : ContentCase.values()) {
                blocks.add(new Block(rtt, c));
            }
        }
        return new RunPlan(
                "full",
                List.of(
                        ServerKind.ATLAS_1_LANE,
                        ServerKind.ATLAS_2_LANES,
                        ServerKind.ATLAS_HTTPS,
                        ServerKind.NGINX,
                        ServerKind.NGINX_HTTPS),
                List.copyOf(blocks),
                List.copyOf(blocks),
                List.of(10, 100, 1000, 4000),
                3,
                100,
                15,
                3,
                20_000,
                300,
                256L << 20,
                List.of(10, 20, 30, 40),
                1);
    }

    /** The connection counts of repetition {@code rep} (1-based): all of them first, then only the spread point. */
    List<Integer> connectionsFor(int rep) {
        return rep == 1 ? connections : List.of(spreadConnections);
    }

    /** The servers measured in {@code block}: the HTTP ones always, the HTTPS ones in the HTTPS blocks. */
    List<ServerKind> serversIn(Block block) {
        final boolean https = httpsBlocks.contains(block);
        return servers.stream().filter(s -> https || !s.isHttps()).toList();
    }

    /**
     * The servers of {@code block} in the order of repetition {@code rep}: forwards, then backwards, so drift hits every
     * server alike.
     */
    List<ServerKind> serverOrder(Block block, int rep) {
        final List<ServerKind> inBlock = serversIn(block);
        if (rep % 2 == 1) {
            return inBlock;
        }
        return inBlock.reversed();
    }

    /**
     * nginx's memory limit for a run at {@code connections}: the configured one, or more when the chunks in flight need
     * it. Pages that sendfile has queued on a socket cannot be evicted, so a limit below connections × chunk makes nginx
     * re-read what it is sending (and, lower still, the OOM killer ends its workers): a collapse of the setup, not a
     * cache miss rate. Measured at 1,000 connections: 128 MiB gave 0.2 Gb/s, 448 MiB 3.1 Gb/s.
     */
    long cgroupBytesFor(int connections) {
        final long inFlight = (long) connections * ContentSet.CHUNK_BYTES;
        return Math.max(cgroupBytes, inFlight + inFlight / 4 + IN_FLIGHT_HEADROOM_BYTES);
    }

    /** nginx's own memory (workers, buffers) beside the chunks in flight. */
    static final long IN_FLIGHT_HEADROOM_BYTES = 32L << 20;

    int chunks(ContentCase contentCase) {
        return switch (contentCase) {
            case COLD -> coldChunks;
            case HOT -> hotChunks;
            case LADDER -> ContentSet.LADDER_SEGMENTS;
        };
    }

    /** Measured runs in the plan. */
    int runCount() {
        final int perServer = connections.size() + (repetitions - 1);
        return perServer * serverSlots();
    }

    /** A rough upper bound of the wall time, for the operator before it starts. */
    int estimatedSeconds() {
        final int serverStarts = repetitions * serverSlots();
        return runCount() * (seconds + 2) + serverStarts * (warmupSeconds + 3);
    }

    /** Servers summed over blocks. */
    private int serverSlots() {
        return blocks.stream().mapToInt(b -> serversIn(b).size()).sum();
    }

    boolean needs(ContentCase contentCase) {
        return blocks.stream().anyMatch(b -> b.contentCase() == contentCase);
    }

    boolean needs(Rtt rtt) {
        return blocks.stream().anyMatch(b -> b.rtt() == rtt);
    }
}
