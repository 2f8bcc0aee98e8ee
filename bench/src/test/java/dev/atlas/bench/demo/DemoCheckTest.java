package dev.atlas.bench.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.bench.interop.Prerequisites;
import dev.atlas.bench.netns.Shell;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code ./atlas demo --check} in this JVM: ffmpeg makes the ladder, the catalogue CLI imports it,
 * Atlas serves it in a namespace, ffmpeg plays it, curl, ffprobe and /metrics agree; the run exits
 * 0 and leaves no namespace and no work directory behind.
 */
@Tag("root")
class DemoCheckTest {
    private static final Pattern NAMESPACE = Pattern.compile("(demo-[0-9a-f]+)-cli");
    private static final Pattern WORK = Pattern.compile("work directory (\\S+)");

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void checkPlaysTheStreamAndCleansUp() {
        check("--check");
    }

    /** {@code --check --tls}: the same over HTTPS, with the demo's own CA; curl verifies the certificate. */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void checkPlaysTheStreamOverHttps() {
        final String output = check("--check", "--tls");
        assertTrue(output.contains("https://"), output);
        assertTrue(output.contains("handshakes ok"), output);
    }

    private static String check(String... args) {
        Prerequisites.require("ip", "ethtool", "curl", "ffmpeg", "ffprobe");
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final int exit;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            exit = DemoCommand.run(args, out);
        }
        final String output = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(output);

        assertEquals(0, exit, output);
        assertTrue(output.contains("5/8  play the stream (ffmpeg)"), output);
        assertTrue(output.contains("8/8  scrape /metrics"), output);
        assertTrue(
                output.contains("teardown: server exited with 0, namespaces removed, work directory removed"), output);
        final Matcher namespace = NAMESPACE.matcher(output);
        assertTrue(namespace.find(), output);
        final String namespaces = Shell.run("ip", "netns", "list");
        assertFalse(namespaces.contains(namespace.group(1)), "namespaces left behind: " + namespaces);
        final Matcher work = WORK.matcher(output);
        assertTrue(work.find(), output);
        assertFalse(Files.exists(Path.of(work.group(1))), "work directory left behind: " + work.group(1));
        return output;
    }
}
