package dev.atlas.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the shipped files are: the module's own folder, {@code deploy/} of the repository. */
final class DeployFiles {
    static final Path DEPLOY = locate();
    static final Path REPOSITORY = DEPLOY.getParent();
    static final Path PROMETHEUS = DEPLOY.resolve("prometheus");
    static final Path ALERTS = PROMETHEUS.resolve("atlas-alerts.yml");
    static final Path ALERT_TESTS = PROMETHEUS.resolve("atlas-alerts.test.yml");
    static final Path SCRAPE_CONFIG = PROMETHEUS.resolve("prometheus.yml");
    static final Path DASHBOARD = DEPLOY.resolve("grafana").resolve("atlas-dashboard.json");
    static final Path BIN = DEPLOY.resolve("bin");
    static final Path SYSTEMD = DEPLOY.resolve("systemd");
    static final Path CONTAINER = DEPLOY.resolve("container");
    static final Path KUBERNETES = DEPLOY.resolve("kubernetes");

    private DeployFiles() {}

    private static Path locate() {
        // Surefire runs in the module directory and says so in "basedir".
        final Path base = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        if (!Files.isRegularFile(base.resolve("prometheus").resolve("atlas-alerts.yml"))) {
            throw new IllegalStateException("the deploy tests must run in the deploy/ folder, not " + base);
        }
        return base;
    }

    /** Removes a scratch directory and everything in it (catalogue images are tens of MB). */
    static void remove(Path dir) throws java.io.IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A scratch directory under target/ for one test. */
    static Path scratch(String name) throws java.io.IOException {
        final Path dir = DEPLOY.resolve("target").resolve("deploy-tests");
        Files.createDirectories(dir);
        return Files.createTempDirectory(dir, name + "-").toAbsolutePath();
    }
}
