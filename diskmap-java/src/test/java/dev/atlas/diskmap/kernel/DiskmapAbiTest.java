package dev.atlas.diskmap.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.diskmap.NvmeDevice;
import dev.atlas.diskmap.Transport;
import dev.atlas.diskmap.transport.DiskmapException;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** DiskmapAbi's named offsets and ioctl numbers against the layouts of diskmap_uapi.h. */
class DiskmapAbiTest {

    @Test
    void namedOffsetsMatchTheStructLayouts() {
        assertEquals(40, DiskmapAbi.INFO.byteSize());
        assertEquals(DiskmapAbi.INFO_BLOCK_SIZE, offset(DiskmapAbi.INFO, "block_size"));
        assertEquals(DiskmapAbi.INFO_NAMESPACE_ID, offset(DiskmapAbi.INFO, "namespace_id"));
        assertEquals(DiskmapAbi.INFO_BLOCK_COUNT, offset(DiskmapAbi.INFO, "block_count"));
        assertEquals(DiskmapAbi.INFO_MAX_TRANSFER, offset(DiskmapAbi.INFO, "max_transfer"));
        assertEquals(DiskmapAbi.INFO_MAX_QUEUE_DEPTH, offset(DiskmapAbi.INFO, "max_queue_depth"));
        assertEquals(DiskmapAbi.INFO_QUEUE_PAIRS, offset(DiskmapAbi.INFO, "queue_pairs"));
        assertEquals(DiskmapAbi.INFO_VERSION, offset(DiskmapAbi.INFO, "version"));

        assertEquals(32, DiskmapAbi.ATTACH.byteSize());
        assertEquals(DiskmapAbi.ATTACH_QUEUE_ID, offset(DiskmapAbi.ATTACH, "queue_id"));
        assertEquals(DiskmapAbi.ATTACH_DEPTH, offset(DiskmapAbi.ATTACH, "depth"));
        assertEquals(DiskmapAbi.ATTACH_SQ_OFFSET, offset(DiskmapAbi.ATTACH, "sq_offset"));
        assertEquals(DiskmapAbi.ATTACH_CQ_OFFSET, offset(DiskmapAbi.ATTACH, "cq_offset"));
        assertEquals(DiskmapAbi.ATTACH_SQ_BYTES, offset(DiskmapAbi.ATTACH, "sq_bytes"));
        assertEquals(DiskmapAbi.ATTACH_CQ_BYTES, offset(DiskmapAbi.ATTACH, "cq_bytes"));

        assertEquals(24, DiskmapAbi.REGION.byteSize());
        assertEquals(DiskmapAbi.REGION_ADDRESS, offset(DiskmapAbi.REGION, "address"));
        assertEquals(DiskmapAbi.REGION_LENGTH, offset(DiskmapAbi.REGION, "length"));
        assertEquals(DiskmapAbi.REGION_BUS_TABLE, offset(DiskmapAbi.REGION, "bus_table"));

        assertEquals(16, DiskmapAbi.DOORBELL.byteSize());
        assertEquals(DiskmapAbi.DOORBELL_SQ_TAIL, offset(DiskmapAbi.DOORBELL, "sq_tail"));
        assertEquals(DiskmapAbi.DOORBELL_CQ_HEAD, offset(DiskmapAbi.DOORBELL, "cq_head"));
        assertEquals(DiskmapAbi.DOORBELL_REJECTED_SLOT, offset(DiskmapAbi.DOORBELL, "rejected_slot"));
        assertEquals(DiskmapAbi.DOORBELL_REASON, offset(DiskmapAbi.DOORBELL, "reason"));
    }

    @Test
    void ioctlNumbersFollowTheKernelEncoding() {
        // _IOC(dir, type, nr, size): dir in bits 30-31 (1 write, 2 read), size 16-29, type 8-15, nr 0-7.
        assertEquals(ioc(2, 0, DiskmapAbi.INFO.byteSize()), DiskmapAbi.IOC_INFO);
        assertEquals(ioc(3, 1, DiskmapAbi.ATTACH.byteSize()), DiskmapAbi.IOC_ATTACH);
        assertEquals(ioc(3, 2, DiskmapAbi.REGION.byteSize()), DiskmapAbi.IOC_REGISTER);
        assertEquals(ioc(3, 3, DiskmapAbi.DOORBELL.byteSize()), DiskmapAbi.IOC_DOORBELL);
        assertEquals(ioc(0, 4, 0), DiskmapAbi.IOC_DETACH);
    }

    @Test
    void rejectionCodesFollowTheModulesEnum() {
        assertEquals(Rejection.NONE, Rejection.ofCode(0));
        assertEquals(Rejection.OPCODE, Rejection.ofCode(1));
        assertEquals(Rejection.DOORBELL, Rejection.ofCode(7));
        assertThrows(IllegalArgumentException.class, () -> Rejection.ofCode(8));
    }

    @Test
    void aMissingDeviceTellsTheOperatorHowToBindOne() {
        Path missing = Path.of("/dev/diskmap-absent-for-test");
        DiskmapException e = assertThrows(
                DiskmapException.class,
                () -> NvmeDevice.open(missing, Transport.DISKMAP, NvmeDevice.Options.defaults()));
        assertTrue(
                e.getMessage().contains("load diskmap.ko") && e.getMessage().contains("driver_override"),
                e.getMessage());
    }

    private static long offset(StructLayout layout, String field) {
        return layout.byteOffset(PathElement.groupElement(field));
    }

    private static long ioc(long dir, long nr, long size) {
        return (dir << 30) | (size << 16) | ((long) 'D' << 8) | nr;
    }
}
