package dev.atlas.diskmap.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.atlas.diskmap.transport.DiskmapException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way an operator can point the {@code file} transport at the wrong thing: a clear sentence, no crash. */
class BadInputTest {
    @TempDir
    Path dir;

    private static DiskmapException openFails(Path path) {
        return assertThrows(
                DiskmapException.class, () -> FileTransport.open(path, 8).close());
    }

    @Test
    void missingImageSaysItDoesNotExist() {
        Path missing = dir.resolve("nope.img");
        DiskmapException e = openFails(missing);
        assertEquals("image " + missing + " does not exist; create it first or fix the path", e.getMessage());
    }

    @Test
    void directoryIsNamedAsSuch() {
        DiskmapException e = openFails(dir);
        assertTrue(e.getMessage().startsWith(dir + " is a directory"), e.getMessage());
    }

    @Test
    void characterDeviceIsSentToPassthru() {
        DiskmapException e = openFails(Path.of("/dev/null"));
        assertTrue(e.getMessage().contains("character device") && e.getMessage().contains("passthru"), e.getMessage());
    }

    @Test
    void imageSmallerThanOneBlockIsRejected() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.img"));
        DiskmapException e = openFails(empty);
        assertTrue(e.getMessage().contains("smaller than one 512-byte block"), e.getMessage());
    }

    @Test
    void blockSizeBelowTheDevicesIsRejected() throws IOException {
        Path image = dir.resolve("small-block.img");
        Files.write(image, new byte[8192]);
        DiskmapException e = assertThrows(DiskmapException.class, () -> FileTransport.open(image, 8, 256));
        assertTrue(e.getMessage().contains("power of two ≥ 512"), e.getMessage());
        try (FileTransport fourK = FileTransport.open(image, 8, 4096)) {
            assertEquals(2, fourK.geometry().blockCount());
        }
    }

    @Test
    void queueDepthOutOfRangeIsRejected() throws IOException {
        Path image = dir.resolve("qd.img");
        Files.write(image, new byte[4096]);
        DiskmapException e = assertThrows(DiskmapException.class, () -> FileTransport.open(image, 1));
        assertTrue(e.getMessage().contains("queue depth"), e.getMessage());
    }

    /**
     * tmpfs accepts O_DIRECT since Linux 6.6 but still serves it from the page cache, so the
     * transport refuses it by file-system type. Needs root to mount a private tmpfs.
     */
    @Test
    void tmpfsIsRefusedAsNotReallyDirect() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(root, "this test must run as root in CI (it mounts a tmpfs)");
        }
        assumeTrue(root, "not root: cannot mount a tmpfs for the O_DIRECT refusal test");
        Path mountPoint = Files.createDirectory(dir.resolve("tmpfs"));
        run("mount", "-t", "tmpfs", "-o", "size=1m", "atlas-test-tmpfs", mountPoint.toString());
        try {
            Path image = mountPoint.resolve("on-tmpfs.img");
            Files.write(image, new byte[8192]);
            DiskmapException e = openFails(image);
            assertEquals(
                    image + " is on a file system that does not support O_DIRECT (tmpfs?) — put the image"
                            + " on a disk file system or a block device",
                    e.getMessage());
        } finally {
            run("umount", mountPoint.toString());
        }
        assertFalse(Files.exists(mountPoint.resolve("on-tmpfs.img")));
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process =
                new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), String.join(" ", command) + " hung");
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + output);
    }
}
