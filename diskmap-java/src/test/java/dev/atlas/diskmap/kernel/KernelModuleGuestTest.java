package dev.atlas.diskmap.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * diskmap.ko on an emulated NVMe controller: builds the module against Debian's headers, boots
 * a QEMU guest (kernel-module/run-guest-checks.sh) and requires every check {@link GuestChecks}
 * and the guest's init report to pass. In CI a missing prerequisite fails the test; elsewhere
 * it skips with the reason.
 */
@Tag("kernel")
class KernelModuleGuestTest {
    /** 128 MiB: room for the pattern half and the scratch half GuestChecks writes. */
    private static final long IMAGE_BYTES = 128L << 20;

    private static final List<String> EXPECTED = List.of(
            "stock-nvme-probe",
            "module-load",
            "module-takes-controller",
            "ownership",
            "diskmap-read-pattern",
            "diskmap-write-read",
            "diskmap-handoff-write",
            "diskmap-safety",
            "diskmap-bench",
            "safety-kernel-log",
            "module-unload",
            "unload-returns-to-nvme",
            "handoff-data-visible",
            "passthru-read-pattern",
            "passthru-write-read",
            "file-read-pattern",
            "passthru-bench",
            "file-bench",
            "guest-done");

    @Test
    @Timeout(value = 9, unit = TimeUnit.MINUTES)
    void theModuleDrivesAnEmulatedNvmeControllerInAGuest() throws Exception {
        Path root = Path.of(System.getenv().getOrDefault("ATLAS_ROOT", ".."))
                .toAbsolutePath()
                .normalize();
        Path moduleDir = root.resolve("kernel-module");
        Path out = Path.of("target", "kernel-guest").toAbsolutePath();
        Files.createDirectories(out);
        Path image = out.resolve("nvme.img");
        GuestPattern.writeImage(image, IMAGE_BYTES);
        String classpath = String.join(
                ":",
                Path.of("target", "classes").toAbsolutePath().toString(),
                Path.of("target", "test-classes").toAbsolutePath().toString());

        Process guest = new ProcessBuilder(
                        moduleDir.resolve("run-guest-checks.sh").toString(),
                        image.toString(),
                        classpath,
                        out.toString())
                .redirectErrorStream(true)
                .redirectOutput(out.resolve("run.log").toFile())
                .start();
        if (!guest.waitFor(8, TimeUnit.MINUTES)) {
            guest.destroyForcibly();
            fail("the guest run did not end within 8 minutes; see " + out.resolve("run.log"));
        }
        String log = Files.readString(out.resolve("run.log"), StandardCharsets.UTF_8);
        if (guest.exitValue() == 3) {
            String reason = log.lines()
                    .filter(l -> l.startsWith("run-guest-checks:"))
                    .findFirst()
                    .orElse(log);
            if ("true".equals(System.getenv("CI"))) {
                fail("prerequisite missing in CI: " + reason);
            }
            Assumptions.abort(reason);
        }
        System.out.println(log);
        Map<String, String> results = results(log);
        for (String name : EXPECTED) {
            String result = results.get(name);
            assertTrue(result != null, "the guest never reported " + name + "; see " + out.resolve("run.log"));
            assertTrue(result.startsWith("ok"), name + ": " + result);
        }
        results.forEach((name, result) -> assertTrue(result.startsWith("ok"), name + ": " + result));
        assertEquals(0, guest.exitValue(), "run-guest-checks.sh failed; see " + out.resolve("run.log"));
    }

    /** The last word of each "diskmap-check: NAME ok|FAIL …" line, by check name. */
    static Map<String, String> results(String console) throws IOException {
        Map<String, String> results = new LinkedHashMap<>();
        for (String line : console.lines().toList()) {
            int at = line.indexOf(GuestChecks.PREFIX);
            if (at < 0) {
                continue;
            }
            String[] parts = line.substring(at + GuestChecks.PREFIX.length()).split(" ", 2);
            if (parts.length == 2 && !parts[0].equals("summary")) {
                results.put(parts[0], parts[1]);
            }
        }
        return results;
    }
}
