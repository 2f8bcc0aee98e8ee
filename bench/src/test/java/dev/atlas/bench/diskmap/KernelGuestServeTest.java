package dev.atlas.bench.diskmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.atlas.catalogue.cli.CatalogueCli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A catalogue served from the QEMU guest's NVMe drive by atlas-server through {@code file},
 * {@code passthru} and {@code diskmap} (kernel-module/run-guest-checks.sh in serve mode), each
 * file downloaded by the guest's wget from another network namespace and compared by SHA-256.
 * In CI a missing prerequisite fails the test; elsewhere it skips with the reason.
 */
@Tag("kernel")
class KernelGuestServeTest {
    private static final Map<String, Integer> FILES = new LinkedHashMap<>();

    // Small: HTTP through the userspace stack under TCG moves only a few hundred KB/s.
    static {
        FILES.put("hls/playlist.m3u8", 517);
        FILES.put("hls/seg-0.ts", 188_000);
        FILES.put("hls/seg-1.ts", 376_004);
        FILES.put("mp4/clip.mp4", 250_001);
    }

    @Test
    @Timeout(value = 9, unit = TimeUnit.MINUTES)
    void aCatalogueIsServedFromTheGuestsDriveThroughEveryTransport() throws Exception {
        Path root = Path.of(System.getenv().getOrDefault("ATLAS_ROOT", ".."))
                .toAbsolutePath()
                .normalize();
        Path server = root.resolve("atlas-server/target");
        if (!Files.exists(server.resolve("atlas-server.jar"))) {
            fail("atlas-server is not packaged (" + server.resolve("atlas-server.jar") + "); run the tests through"
                    + " maven verify, which packages it first");
        }
        Path out = Path.of("target", "kernel-serve").toAbsolutePath();
        Files.createDirectories(out);
        Path sources = out.resolve("content");
        StringBuilder expected = new StringBuilder();
        SplittableRandom random = new SplittableRandom(23);
        for (Map.Entry<String, Integer> file : FILES.entrySet()) {
            byte[] bytes = new byte[file.getValue()];
            random.nextBytes(bytes);
            Path path = sources.resolve(file.getKey());
            Files.createDirectories(path.getParent());
            Files.write(path, bytes);
            expected.append(HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)))
                    .append("  ")
                    .append(file.getKey())
                    .append('\n');
        }
        Path sums = Files.writeString(out.resolve("expected.sha256"), expected);
        Path image = out.resolve("catalogue.img");
        Files.deleteIfExists(image);
        cli("format", "-d", image.toString(), "--size", "64M");
        cli("import", "-d", image.toString(), sources.toString());

        List<String> classpath = new ArrayList<>();
        classpath.add(server.resolve("atlas-server.jar").toString());
        try (Stream<Path> libs = Files.list(server.resolve("lib"))) {
            libs.sorted().forEach(lib -> classpath.add(lib.toString()));
        }
        ProcessBuilder guest = new ProcessBuilder(
                        root.resolve("kernel-module/run-guest-checks.sh").toString(),
                        image.toString(),
                        String.join(":", classpath),
                        out.toString())
                .redirectErrorStream(true)
                .redirectOutput(out.resolve("run.log").toFile());
        guest.environment().put("DISKMAP_GUEST_MODE", "serve");
        guest.environment().put("DISKMAP_GUEST_BLOCK", "4096");
        guest.environment().put("DISKMAP_GUEST_EXPECTED", sums.toString());
        Process run = guest.start();
        if (!run.waitFor(8, TimeUnit.MINUTES)) {
            run.destroyForcibly();
            fail("the guest run did not end within 8 minutes; see " + out.resolve("run.log"));
        }
        String log = Files.readString(out.resolve("run.log"), StandardCharsets.UTF_8);
        if (run.exitValue() == 3) {
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
        Map<String, String> results = new LinkedHashMap<>();
        log.lines().filter(l -> l.contains("diskmap-check: ")).forEach(l -> {
            String[] parts = l.substring(l.indexOf("diskmap-check: ") + 15).split(" ", 2);
            results.put(parts[0], parts.length > 1 ? parts[1] : "");
        });
        for (String name : List.of("stock-nvme-probe", "serve-file", "serve-passthru", "serve-diskmap", "guest-done")) {
            String result = results.get(name);
            assertTrue(result != null, "the guest never reported " + name + "; see " + out.resolve("run.log"));
            assertTrue(result.startsWith("ok"), name + ": " + result);
        }
        results.forEach((name, result) -> assertTrue(result.startsWith("ok"), name + ": " + result));
        assertEquals(0, run.exitValue(), "run-guest-checks.sh failed; see " + out.resolve("run.log"));
    }

    private static void cli(String... args) throws IOException {
        int code = CatalogueCli.run(args);
        if (code != 0) {
            throw new IOException("atlas-catalogue " + String.join(" ", args) + " exited with " + code);
        }
    }
}
