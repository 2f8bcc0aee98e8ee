package dev.atlas.bench.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.bench.interop.Prerequisites;
import dev.atlas.bench.netns.Topology;
import dev.atlas.bench.tcp.AtlasServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Allocation-free serving: after warm-up, the heap bytes the lane threads allocate per request
 * stay at (about) zero — keep-alive requests of small segments, range requests, 304s and 404s,
 * and whole large downloads — read from HotSpot's per-thread counter, which the server writes
 * to its stats file. JIT compilation can still allocate in an early round, so the best of a few
 * rounds counts.
 */
@Tag("root")
@Timeout(300)
class LaneAllocationTest {
    private static final long MIB = 1L << 20;
    private static final int SEGMENTS = 40;
    private static final long SEGMENT_BYTES = 188 * 1024 + 17;
    private static final int REQUESTS_PER_ROUND = 2_000;
    private static final int ROUNDS = 4;
    /** "About zero": less than one byte per request on average over a round. */
    private static final double BYTES_PER_REQUEST_LIMIT = 1.0;

    @Test
    void laneThreadsAllocateNothingPerRequest() throws Exception {
        Prerequisites.require("ip", "nft", "ethtool", "curl");
        final Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "lane-allocation");
        final Map<String, Long> files = new LinkedHashMap<>();
        for (int i = 0; i < SEGMENTS; i++) {
            files.put(String.format("hls/720p/seg-%03d.ts", i), SEGMENT_BYTES);
        }
        files.put("vod/feature.mp4", 48 * MIB);
        final ServedContent content = ServedContent.build(work, "128M", files, 3);
        try (Topology net = Topology.up(Topology.uniqueName("alloc"), Topology.Mode.DIRECT)
                        .removeOnExit();
                AtlasServerProcess server = AtlasServerProcess.startCatalogue(
                                net.serverNamespace(),
                                net.serverInterface(),
                                net.serverCidr(),
                                List.of(content.image),
                                List.of("--lanes", "2"),
                                work.resolve("server"))
                        .awaitReady(Duration.ofSeconds(60))) {
            final List<Path> config = requests(work, "http://" + net.serverAddress());
            for (int warmUp = 0; warmUp < 3; warmUp++) {
                round(net, config, work, content);
            }
            final StringBuilder rounds = new StringBuilder();
            double best = Double.MAX_VALUE;
            for (int round = 0; round < ROUNDS && best >= BYTES_PER_REQUEST_LIMIT; round++) {
                final long before = server.freshStats().getOrDefault("lane.allocatedBytes", -1L);
                final int requests = round(net, config, work, content);
                final long after = server.freshStats().getOrDefault("lane.allocatedBytes", -1L);
                assertTrue(before >= 0 && after >= 0, "the server reports its lanes' allocated bytes");
                final double perRequest = (after - before) / (double) requests;
                rounds.append(String.format(java.util.Locale.ROOT, "%d B / %d requests; ", after - before, requests));
                best = Math.min(best, perRequest);
            }
            System.out.println("lane allocation after warm-up: " + rounds);
            assertTrue(
                    best < BYTES_PER_REQUEST_LIMIT, "heap bytes allocated on the lane threads per request: " + rounds);
            assertEquals(0, server.stat("lane.frameErrors") + server.stat("lane.outputErrors"));
        }
    }

    /** One round: 2,000 keep-alive requests (GETs, ranges, 304s, 404s) and two whole 48 MiB downloads at once. */
    private static int round(Topology net, List<Path> configs, Path work, ServedContent content)
            throws IOException, InterruptedException {
        final List<Curl.Running> big = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            big.add(Curl.start(
                    net.clientNamespace(),
                    "http://" + net.serverAddress() + "/vod/feature.mp4",
                    work.resolve("feature-" + i),
                    120));
        }
        long answered = 0;
        for (Path config : configs) {
            final Process small = new ProcessBuilder(
                            "ip",
                            "netns",
                            "exec",
                            net.clientNamespace(),
                            "curl",
                            "-sS",
                            "-K",
                            config.toString(),
                            "-w",
                            "%{http_code}\\n")
                    .redirectErrorStream(true)
                    .start();
            final String codes = new String(small.getInputStream().readAllBytes());
            small.waitFor(120, TimeUnit.SECONDS);
            answered += codes.lines()
                    .filter(c -> c.equals("200") || c.equals("206") || c.equals("304") || c.equals("404"))
                    .count();
        }
        assertEquals(REQUESTS_PER_ROUND, answered, "every small request answered");
        for (int i = 0; i < big.size(); i++) {
            final Curl.Result r = big.get(i).finish();
            assertTrue(
                    r.ok() && content.matches("vod/feature.mp4", work.resolve("feature-" + i)),
                    "feature download: " + r);
        }
        return REQUESTS_PER_ROUND + big.size();
    }

    /**
     * Four curl configs of 500 requests each, each run on one keep-alive connection: segment GETs,
     * ranges of them, conditional GETs that give 304, and names that give 404.
     */
    private static List<Path> requests(Path work, String base) throws IOException {
        final String[] groupOptions = {
            "", "range = \"1000-66535\"\n", "header = \"If-Modified-Since: Fri, 31 Dec 2100 00:00:00 GMT\"\n", ""
        };
        final List<Path> configs = new ArrayList<>();
        for (int kind = 0; kind < groupOptions.length; kind++) {
            final StringBuilder text = new StringBuilder(groupOptions[kind]);
            for (int i = 0; i < REQUESTS_PER_ROUND / groupOptions.length; i++) {
                final String path = kind == groupOptions.length - 1
                        ? "/missing/" + i + ".ts"
                        : String.format("/hls/720p/seg-%03d.ts", i % SEGMENTS);
                text.append("url = \"").append(base).append(path).append("\"\noutput = \"/dev/null\"\n");
            }
            final Path config = work.resolve("requests-" + kind + ".curl");
            Files.writeString(config, text);
            configs.add(config);
        }
        return configs;
    }
}
