package dev.atlas.diskmap.uring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.diskmap.NvmeDevice;
import dev.atlas.diskmap.Transport;
import dev.atlas.diskmap.buffer.DmaBufferPool;
import dev.atlas.diskmap.transport.DiskmapException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every transport is reachable by its label, as an operator would pick it. */
class TransportRegistrationTest {
    @TempDir
    Path dir;

    @Test
    void operatorsNameEachTransportByItsLabel() {
        assertEquals(java.util.List.of("file", "passthru", "diskmap", "emulated"), Transport.labels());
        for (Transport transport : Transport.values()) {
            assertEquals(transport, Transport.named(transport.label()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Transport.named("nvme"));
        assertEquals("unknown transport 'nvme'; choose file, passthru, diskmap or emulated", e.getMessage());
    }

    @Test
    void anUnknownTransportIsAnOperatorSentence() {
        DiskmapException e = assertThrows(DiskmapException.class, () -> NvmeDevice.open(dir.resolve("x.img"), "nvme"));
        assertTrue(
                e.getMessage().contains("unknown transport 'nvme'; choose file, passthru, diskmap or emulated"),
                e.getMessage());
    }

    @Test
    void nvmeDeviceOpensAnImageByTransportName() throws IOException {
        Path image = dir.resolve("named.img");
        Files.write(image, new byte[1 << 20]);
        byte[] data = new byte[8192];
        new Random(3).nextBytes(data);
        try (NvmeDevice device = NvmeDevice.open(image, "file")) {
            assertEquals("file", device.transport().name());
            DmaBufferPool pool = device.allocateBuffers(2, 8192);
            pool.buffer(0).copyFrom(MemorySegment.ofArray(data));
            device.writeSync(100, 16, pool.buffer(0));
            device.flushSync();
            device.readSync(100, 16, pool.buffer(1));
            assertArrayEquals(data, pool.buffer(1).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void badPathsKeepTheirOperatorSentenceThroughTheFactory() {
        Path missing = dir.resolve("missing.img");
        DiskmapException e = assertThrows(DiskmapException.class, () -> NvmeDevice.open(missing, "file"));
        assertTrue(e.getMessage().contains(missing + " does not exist"), e.getMessage());
        DiskmapException p = assertThrows(DiskmapException.class, () -> NvmeDevice.open(missing, "passthru"));
        assertTrue(p.getMessage().contains("/dev/ngXnY"), p.getMessage());
    }
}
