package dev.atlas.server.ring.afpacket;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Test fixture: two fresh network namespaces joined by a veth pair ({@code va} in {@link #a},
 * {@code vb} in {@link #b}), uniquely named, deleted on {@link #close()}. When root or
 * {@code ip} is missing the test is skipped, or fails under CI=true.
 */
final class VethPair implements AutoCloseable {
    final String a;
    final String b;

    private VethPair(String a, String b) {
        this.a = a;
        this.b = b;
    }

    static void requireRootAndTools(String... tools) {
        List<String> missing = new ArrayList<>();
        if (!"0".equals(outputOf("id", "-u").trim())) {
            missing.add("root");
        }
        for (String tool : tools) {
            if (outputOf("sh", "-c", "command -v " + tool).isBlank()) {
                missing.add(tool);
            }
        }
        if (!missing.isEmpty()) {
            String why = "AF_PACKET namespace tests need " + String.join(", ", missing);
            if ("true".equals(System.getenv("CI"))) {
                fail(why + " (CI=true: this prerequisite must be present)");
            }
            Assumptions.abort(why);
        }
    }

    static VethPair create() {
        String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
        VethPair pair = new VethPair("atd-a-" + suffix, "atd-b-" + suffix);
        try {
            run("ip", "netns", "add", pair.a);
            run("ip", "netns", "add", pair.b);
            // No IPv6 router or listener solicitations: the tests count every frame a peer receives.
            for (String namespace : List.of(pair.a, pair.b)) {
                run(
                        "ip",
                        "netns",
                        "exec",
                        namespace,
                        "sysctl",
                        "-qw",
                        "net.ipv6.conf.all.disable_ipv6=1",
                        "net.ipv6.conf.default.disable_ipv6=1");
            }
            run("ip", "link", "add", "va", "netns", pair.a, "type", "veth", "peer", "name", "vb", "netns", pair.b);
            run("ip", "-n", pair.a, "link", "set", "va", "up");
            run("ip", "-n", pair.b, "link", "set", "vb", "up");
            run("ip", "-n", pair.b, "addr", "add", "198.18.1.1/24", "dev", "vb");
            // Software GSO then fills each segment's checksum (FACTS: veth with tx off).
            run("ip", "netns", "exec", pair.a, "ethtool", "-K", "va", "tx", "off");
            return pair;
        } catch (RuntimeException e) {
            pair.close();
            throw e;
        }
    }

    static String outputOf(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    static void run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + " could not start: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        outputOf("ip", "netns", "del", a);
        outputOf("ip", "netns", "del", b);
    }
}
