package dev.atlas.bench.middlebox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.atlas.bench.netns.MiddleboxProcess;
import dev.atlas.bench.netns.Shell;
import dev.atlas.bench.netns.Topology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The delay middlebox between two kernels: with a 20 ms band, TCP connects take ≈ 20 ms (the SYN
 * is held, the SYN-ACK crosses the bridge), and a 32 MiB download through 2% loss is byte-exact
 * while the middlebox reports the frames it dropped. The direct topology works without it.
 */
class MiddleboxTest {
    static final int PORT = 8080;

    @BeforeAll
    static void prerequisites() {
        List<String> missing = new ArrayList<>();
        if (!"0".equals(Shell.tryRun("id", "-u").output().strip())) {
            missing.add("root");
        }
        for (String tool : List.of("ip", "nft", "ethtool", "curl")) {
            if (Shell.tryRun("sh", "-c", "command -v " + tool).exitCode() != 0) {
                missing.add(tool);
            }
        }
        if (!missing.isEmpty()) {
            String why = "the middlebox tests need " + String.join(", ", missing);
            if ("true".equals(System.getenv("CI"))) {
                fail(why + " (CI=true: this prerequisite must be present)");
            }
            Assumptions.abort(why);
        }
    }

    /** curl in the client namespace; returns "time_connect size_download" and leaves the body in {@code out}. */
    static String curl(Topology t, long bytes, Path out) {
        return Shell.run(
                        "ip",
                        "netns",
                        "exec",
                        t.clientNamespace(),
                        "curl",
                        "-sS",
                        "--max-time",
                        "60",
                        "-o",
                        out.toString(),
                        "-w",
                        "%{time_connect} %{size_download}",
                        "http://" + t.serverKernelAddress() + ":" + PORT + "/" + bytes)
                .strip();
    }

    static void assertPattern(Path file, long bytes) throws Exception {
        byte[] body = Files.readAllBytes(file);
        assertEquals(bytes, body.length);
        for (int i = 0; i < body.length; i++) {
            if (body[i] != (byte) (i % 251)) {
                fail("byte " + i + " is " + (body[i] & 0xFF) + ", expected " + (i % 251));
            }
        }
    }

    static long counter(String output, String name) {
        Matcher m = Pattern.compile(" " + Pattern.quote(name) + "=(\\d+)").matcher(output);
        assertTrue(m.find(), "no " + name + " counter in: " + output);
        return Long.parseLong(m.group(1));
    }

    @Test
    void delaysTheClientDirectionAndDropsTheConfiguredFraction() throws Exception {
        Path body = Files.createTempFile("atlas-mbox-", ".bin");
        try (Topology t = Topology.up(Topology.uniqueName("atdmb"), Topology.Mode.MIDDLEBOX)
                .removeOnExit()) {
            t.addServerKernelAddress();
            String output;
            try (KernelPatternHttp server =
                            KernelPatternHttp.start(t.serverNamespace(), t.serverKernelAddress(), PORT);
                    MiddleboxProcess middlebox = t.startMiddlebox(List.of(20), 0.02, 7)) {
                double fastest = Double.MAX_VALUE;
                for (int i = 0; i < 5; i++) {
                    String[] w = curl(t, 1000, body).split(" ");
                    fastest = Math.min(fastest, Double.parseDouble(w[0]));
                }
                // The SYN waits 20 ms in the middlebox; nothing else on the path takes a millisecond.
                assertTrue(
                        fastest >= 0.019 && fastest < 0.5, String.format(Locale.ROOT, "connect took %.4f s", fastest));
                long size = 32L << 20;
                String[] w = curl(t, size, body).split(" ");
                assertEquals(size, Long.parseLong(w[1]));
                assertPattern(body, size);
                output = middlebox.stop();
            }
            long lost = counter(output, "lost");
            long forwarded = counter(output, "forwarded");
            assertTrue(lost > 0, "2% loss dropped frames: " + output);
            assertTrue(forwarded > 100, "the download's ACKs crossed the middlebox: " + output);
            assertEquals(0, counter(output, "pool-full"));
        } finally {
            Files.deleteIfExists(body);
        }
    }

    @Test
    void directTopologyNeedsNoMiddleboxAndLeavesNothingBehind() throws Exception {
        Path body = Files.createTempFile("atlas-direct-", ".bin");
        String name = Topology.uniqueName("atddir");
        try (Topology t = Topology.up(name, Topology.Mode.DIRECT).removeOnExit()) {
            assertEquals(2, t.namespaces().size());
            t.addServerKernelAddress();
            try (KernelPatternHttp server =
                    KernelPatternHttp.start(t.serverNamespace(), t.serverKernelAddress(), PORT)) {
                String[] w = curl(t, 1 << 20, body).split(" ");
                assertEquals(1 << 20, Long.parseLong(w[1]));
                assertPattern(body, 1 << 20);
            }
        } finally {
            Files.deleteIfExists(body);
        }
        assertFalse(Shell.run("ip", "netns", "list").contains(name), "namespaces removed");
    }
}
