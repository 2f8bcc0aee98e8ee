package dev.atlas.bench.interop;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the namespace tests need (root, ip, nft, ethtool, curl, wrk, python3). Missing on a
 * developer machine: the test is skipped with the reason. Missing in CI ({@code CI=true}): the
 * test fails, because CI must run everything. Shared by every test that needs namespaces (interop, demo).
 */
public final class Prerequisites {
    private Prerequisites() {
    }

    public static void require(String... tools) {
        final List<String> missing = new ArrayList<>();
        if (!isRoot()) {
            missing.add("root (network namespaces and AF_PACKET)");
        }
        for (String tool : tools) {
            if (!onPath(tool)) {
                missing.add(tool);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        final String reason = "this test needs " + String.join(", ", missing) + " (./atlas test installs the tools)";
        if ("true".equals(System.getenv("CI"))) {
            Assertions.fail(reason);
        }
        Assumptions.abort(reason);
    }

    private static boolean onPath(String tool) {
        final String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
