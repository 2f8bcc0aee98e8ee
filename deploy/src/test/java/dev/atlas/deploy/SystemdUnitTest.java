package dev.atlas.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Acceptance item 3 (systemd): {@code systemd-analyze verify} passes on the unit with nothing to
 * say, installed as the README says into a root directory (the launcher scripts under
 * /opt/atlas/bin, the configuration under /etc/atlas, the host's own system units beside it);
 * and {@code systemd-analyze security} rates its exposure "OK" or better.
 */
class SystemdUnitTest {
    private static final Duration ANALYZE = Duration.ofSeconds(60);
    private static final String UNIT = "/etc/systemd/system/atlas.service";
    /** systemd's scale: up to 4.0 "OK", then "MEDIUM", "EXPOSED", "UNSAFE". */
    private static final double HIGHEST_EXPOSURE = 4.0;

    private static final Pattern EXPOSURE = Pattern.compile("Overall exposure level for atlas.service: ([0-9.]+)");

    @Test
    void unitVerifiesAndIsConfined() throws Exception {
        Tools.require(false, "systemd-analyze");
        final Path root = installedRoot();

        final Tools.Result verify = Tools.run(ANALYZE, root, "systemd-analyze", "verify", "--root=" + root, UNIT);
        assertEquals(0, verify.exitCode(), verify::toString);
        // Unknown keys and bad values are only warnings to systemd: any word from it is a finding.
        assertEquals("", verify.output().strip(), verify::toString);

        final Tools.Result security = Tools.run(
                ANALYZE, root, "systemd-analyze", "security", "--offline=true", "--root=" + root, "--no-pager", UNIT);
        final Matcher level = EXPOSURE.matcher(security.output());
        assertTrue(level.find(), security::toString);
        final double exposure = Double.parseDouble(level.group(1));
        System.out.println("deploy: systemd-analyze security rates atlas.service " + exposure);
        assertTrue(exposure <= HIGHEST_EXPOSURE, () -> "exposure " + exposure + ":\n" + security.output());
    }

    /** A root directory with the unit installed as deploy/README.md says. */
    private static Path installedRoot() throws IOException {
        final Path root = DeployFiles.scratch("systemd-root");
        final Path bin = Files.createDirectories(root.resolve("opt/atlas/bin"));
        try (Stream<Path> scripts = Files.list(DeployFiles.BIN)) {
            for (Path script : scripts.toList()) {
                Files.copy(script, bin.resolve(script.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        Files.copy(
                DeployFiles.SYSTEMD.resolve("serve.properties"),
                Files.createDirectories(root.resolve("etc/atlas")).resolve("serve.properties"));
        Files.copy(
                DeployFiles.SYSTEMD.resolve("atlas.service"),
                Files.createDirectories(root.resolve("etc/systemd/system")).resolve("atlas.service"));
        Files.copy(
                DeployFiles.SYSTEMD.resolve("atlas.sysusers"),
                Files.createDirectories(root.resolve("usr/lib/sysusers.d")).resolve("atlas.conf"));
        // The targets and slices the unit is ordered against come from the host's systemd.
        final Path units = Files.createDirectories(root.resolve("usr/lib/systemd/system"));
        for (Path hostUnits : List.of(Path.of("/usr/lib/systemd/system"), Path.of("/lib/systemd/system"))) {
            if (Files.isDirectory(hostUnits)) {
                try (Stream<Path> files = Files.list(hostUnits)) {
                    for (Path unit : files.filter(Files::isRegularFile).toList()) {
                        Files.copy(unit, units.resolve(unit.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
        return root;
    }
}
