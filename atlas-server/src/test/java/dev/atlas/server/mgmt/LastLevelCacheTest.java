package dev.atlas.server.mgmt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LastLevelCacheTest {
    @Test
    void sizesAsSysfsWritesThem() {
        assertEquals(32L << 20, LastLevelCache.parseSize("32768K"));
        assertEquals(8L << 20, LastLevelCache.parseSize("8M"));
        assertEquals(512, LastLevelCache.parseSize("512"));
        assertEquals(0, LastLevelCache.parseSize(""));
    }

    @Test
    void highestLevelWins(@TempDir Path caches) throws Exception {
        write(caches, 0, "1", "32K");
        write(caches, 1, "2", "1024K");
        write(caches, 2, "3", "32768K");
        assertEquals(32L << 20, LastLevelCache.sizeBytes(caches));
        assertEquals(0, LastLevelCache.sizeBytes(caches.resolve("absent")));
    }

    @Test
    void thisMachineHasOneOrSaysZero() {
        assertTrue(LastLevelCache.sizeBytes() >= 0);
    }

    private static void write(Path caches, int index, String level, String size) throws Exception {
        Path dir = Files.createDirectories(caches.resolve("index" + index));
        Files.writeString(dir.resolve("level"), level + "\n");
        Files.writeString(dir.resolve("size"), size + "\n");
    }

    @Test
    void managementAddresses() {
        InetSocketAddress v4 = ManagementServer.parseAddress("127.0.0.1:9100");
        assertEquals(9100, v4.getPort());
        assertEquals("127.0.0.1", v4.getAddress().getHostAddress());
        assertEquals(0, ManagementServer.parseAddress("[::1]:0").getPort());
        for (String bad : new String[] {"9100", "127.0.0.1:", ":9100", "127.0.0.1:http", "127.0.0.1:70000"}) {
            IllegalArgumentException error =
                    assertThrows(IllegalArgumentException.class, () -> ManagementServer.parseAddress(bad));
            assertTrue(error.getMessage().startsWith("management "), error.getMessage());
        }
    }
}
