package dev.atlas.diskmap.uring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.atlas.diskmap.NvmeDevice;
import dev.atlas.diskmap.buffer.DmaBufferPool;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code file} transport on a real block device: a loop device with 4 KiB logical sectors
 * over a temporary image (needs root and losetup). Geometry must come from BLKGETSIZE64 and
 * BLKSSZGET, and data written through the device must land in the backing file.
 */
class BlockDeviceTest {
    private static final int IMAGE_BYTES = 8 << 20;
    private static final int SECTOR = 4096;

    @TempDir
    Path dir;

    @Test
    void loopDeviceGeometryAndRoundTrip() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        boolean haveLosetup =
                new ProcessBuilder("sh", "-c", "command -v losetup").start().waitFor() == 0;
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(root && haveLosetup, "CI must run this test as root with losetup (util-linux)");
        }
        assumeTrue(root && haveLosetup, "needs root and losetup to attach a loop device");
        Path backing = dir.resolve("loop-backing.img");
        try (RandomAccessFile raf = new RandomAccessFile(backing.toFile(), "rw")) {
            raf.setLength(IMAGE_BYTES);
        }
        String loop = run("losetup", "--find", "--show", "--sector-size", Integer.toString(SECTOR), backing.toString());
        try {
            byte[] data = new byte[3 * SECTOR];
            new Random(11).nextBytes(data);
            try (NvmeDevice device = NvmeDevice.over(FileTransport.open(Path.of(loop), 8), Duration.ofSeconds(10))) {
                assertEquals(SECTOR, device.geometry().blockSize());
                assertEquals(IMAGE_BYTES / SECTOR, device.geometry().blockCount());
                DmaBufferPool pool = device.allocateBuffers(2, data.length);
                pool.buffer(0).copyFrom(MemorySegment.ofArray(data));
                device.writeSync(5, 3, pool.buffer(0));
                device.flushSync();
                device.readSync(5, 3, pool.buffer(1));
                assertArrayEquals(data, pool.buffer(1).toArray(ValueLayout.JAVA_BYTE));
            }
            byte[] onDisk = new byte[data.length];
            try (RandomAccessFile raf = new RandomAccessFile(backing.toFile(), "r")) {
                raf.seek(5L * SECTOR);
                raf.readFully(onDisk);
            }
            assertArrayEquals(data, onDisk, "the loop device's backing file holds what was written");
        } finally {
            run("losetup", "--detach", loop);
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process =
                new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), String.join(" ", command) + " hung");
        String output = new String(process.getInputStream().readAllBytes()).trim();
        assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + output);
        return output;
    }
}
