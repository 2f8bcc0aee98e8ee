package dev.atlas.catalogue.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.catalogue.TestImages;
import dev.atlas.catalogue.device.DeviceLock.Mode;
import dev.atlas.catalogue.error.CatalogueBusyException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Converting a held lock in place. Every second lock here is another open file description in
 * this same process, which {@code flock} treats exactly like another process.
 */
class DeviceLockTest {

    private Path dir;
    private List<Path> devices;

    @BeforeEach
    void createDevices() throws IOException {
        dir = TestImages.scratch("lock");
        devices = List.of(TestImages.image(dir, "d0.img", 1 << 16), TestImages.image(dir, "d1.img", 1 << 16));
    }

    @AfterEach
    void deleteDevices() throws IOException {
        TestImages.deleteTree(dir);
    }

    @Test
    void anUpgradeIsRefusedWhileAnotherReaderSharesADeviceAndTheLockStaysShared() {
        try (DeviceLock served = DeviceLock.acquire(devices, Mode.SHARED)) {
            try (DeviceLock reader = DeviceLock.acquire(List.of(devices.get(1)), Mode.SHARED)) {
                final CatalogueBusyException refused = assertThrows(CatalogueBusyException.class, served::upgrade);
                final String message = refused.getMessage();
                assertTrue(message.startsWith(devices.get(1) + " is also open (pid "), message);
                assertTrue(message.contains("this process"), message);
                assertFalse(message.contains("\n"), message);
                assertEquals(Mode.SHARED, served.mode());
                assertEquals(Mode.SHARED, reader.mode());
                try (DeviceLock another = DeviceLock.acquire(devices, Mode.SHARED)) {
                    assertEquals(Mode.SHARED, another.mode());
                }
            }
            // Device 0 was converted before device 1 refused, and Linux drops device 1's shared
            // lock when it refuses the conversion: both must be held shared again, so a writer
            // is still kept out once the other reader has gone.
            for (Path device : devices) {
                assertThrows(
                        CatalogueBusyException.class,
                        () -> DeviceLock.acquire(List.of(device), Mode.EXCLUSIVE),
                        device.toString());
            }
        }
    }

    @Test
    void anUpgradeShutsReadersOutAndADowngradeLetsThemIn() {
        try (DeviceLock served = DeviceLock.acquire(devices, Mode.SHARED)) {
            served.upgrade();
            assertEquals(Mode.EXCLUSIVE, served.mode());
            final CatalogueBusyException refused =
                    assertThrows(CatalogueBusyException.class, () -> DeviceLock.acquire(devices, Mode.SHARED));
            assertTrue(refused.getMessage().startsWith(devices.get(0) + " is being written"), refused.getMessage());
            served.upgrade();
            assertEquals(Mode.EXCLUSIVE, served.mode(), "upgrading an exclusive lock changes nothing");

            served.downgrade();
            assertEquals(Mode.SHARED, served.mode());
            try (DeviceLock reader = DeviceLock.acquire(devices, Mode.SHARED)) {
                assertEquals(Mode.SHARED, reader.mode());
            }
            assertThrows(CatalogueBusyException.class, () -> DeviceLock.acquire(devices, Mode.EXCLUSIVE));

            served.upgrade();
            served.downgrade();
            assertEquals(Mode.SHARED, served.mode());
        }
        try (DeviceLock writer = DeviceLock.acquire(devices, Mode.EXCLUSIVE)) {
            assertEquals(Mode.EXCLUSIVE, writer.mode());
        }
    }

    @Test
    void aReleasedLockCannotBeConverted() {
        final DeviceLock lock = DeviceLock.acquire(devices, Mode.SHARED);
        lock.close();
        assertThrows(IllegalStateException.class, lock::upgrade);
        assertThrows(IllegalStateException.class, lock::downgrade);
    }
}
