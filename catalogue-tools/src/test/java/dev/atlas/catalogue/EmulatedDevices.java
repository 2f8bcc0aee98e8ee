package dev.atlas.catalogue;

import dev.atlas.catalogue.device.BlockDevice;
import dev.atlas.catalogue.device.BlockDeviceOpener;
import dev.atlas.catalogue.device.DiskmapBlockDevice;
import dev.atlas.diskmap.NvmeDevice;
import dev.atlas.diskmap.emulated.EmulatedFaults;
import dev.atlas.diskmap.emulated.EmulatedTransport;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Test openers over diskmap-java's emulated NVMe controller: with a fault plan per device, and
 * a recording variant that lists every NVMe write in the order the controllers executed them.
 */
final class EmulatedDevices {

    /** One executed NVMe write: which image, and its number on that image's controller (from 1). */
    record WriteEvent(Path image, long localNumber) {}

    private EmulatedDevices() {}

    /**
     * 512-byte NVMe blocks, so a torn write can end inside a 4 KiB catalogue block (a torn
     * superblock), and a transfer limit equal to the catalogue's transfer size.
     */
    static final int SECTOR = 512;

    static BlockDeviceOpener opener(Function<Path, EmulatedFaults> faults) {
        return path -> DiskmapBlockDevice.open(
                path,
                "emulated",
                NvmeDevice.Options.defaults()
                        .withBlockSize(SECTOR)
                        .withMaxTransferBytes(CatalogueLayout.TRANSFER_BYTES)
                        .withFaults(faults.apply(path)));
    }

    static BlockDeviceOpener healthy() {
        return opener(p -> EmulatedFaults.none());
    }

    /** An opener whose devices append each executed NVMe write to {@code log}. */
    static BlockDeviceOpener recording(List<WriteEvent> log) {
        final BlockDeviceOpener inner = healthy();
        return path -> new Recording((DiskmapBlockDevice) inner.open(path), log);
    }

    /** Counts fetched NVMe commands per device (for choosing a command to fail). */
    static long fetchedCommands(BlockDevice device) {
        return controller(device).fetchedCommands();
    }

    private static dev.atlas.diskmap.emulated.EmulatedController controller(BlockDevice device) {
        final DiskmapBlockDevice d = device instanceof Recording r ? r.inner : (DiskmapBlockDevice) device;
        return ((EmulatedTransport) d.nvmeDevice().transport()).controller();
    }

    private static final class Recording implements BlockDevice {
        private final DiskmapBlockDevice inner;
        private final List<WriteEvent> log;

        Recording(DiskmapBlockDevice inner, List<WriteEvent> log) {
            this.inner = inner;
            this.log = log;
        }

        @Override
        public Path path() {
            return inner.path();
        }

        @Override
        public int blockSize() {
            return inner.blockSize();
        }

        @Override
        public long blockCount() {
            return inner.blockCount();
        }

        @Override
        public MemorySegment allocateBuffer(long bytes) {
            return inner.allocateBuffer(bytes);
        }

        @Override
        public void read(long lba, MemorySegment buffer) {
            inner.read(lba, buffer);
        }

        @Override
        public void write(long lba, MemorySegment buffer) {
            final long before = controller(inner).executedWrites();
            inner.write(lba, buffer);
            final long after = controller(inner).executedWrites();
            for (long n = before + 1; n <= after; n++) {
                log.add(new WriteEvent(inner.path(), n));
            }
        }

        @Override
        public void flush() {
            inner.flush();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    static List<WriteEvent> newLog() {
        return new ArrayList<>();
    }
}
