package dev.atlas.bench.interop;

import dev.atlas.bench.netns.HostPrerequisites;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What the namespace tests need (root, ip, nft, ethtool, curl, wrk, python3). Missing on a
 * developer machine: the test is skipped with the reason. Missing in CI ({@code CI=true}): the
 * test fails, because CI must run everything. Shared by every test that needs namespaces (interop, demo).
 */
public final class Prerequisites {
    private Prerequisites() {}

    public static void require(String... tools) {
        final List<String> missing = HostPrerequisites.missing(tools);
        if (missing.isEmpty()) {
            return;
        }
        final String reason = "this test needs " + String.join(", ", missing) + " (./atlas test installs the tools)";
        if ("true".equals(System.getenv("CI"))) {
            Assertions.fail(reason);
        }
        Assumptions.abort(reason);
    }
}
