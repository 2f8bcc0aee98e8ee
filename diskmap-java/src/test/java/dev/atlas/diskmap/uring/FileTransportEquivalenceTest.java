package dev.atlas.diskmap.uring;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.diskmap.NvmeDevice;
import dev.atlas.diskmap.QueuePairEquivalenceContract;
import dev.atlas.diskmap.transport.QueueTransport;
import java.nio.file.Path;

/**
 * 100,000 random reads, writes and flushes (512 B … 1 MiB) through NvmeQueuePair and the
 * {@code file} transport on a temporary image (ext4 /tmp here) match the in-memory reference
 * byte for byte. Buffers start at random 512-byte offsets inside their page, so PRP1 is often
 * mid-page, and the transport walks every PRP list to check it describes the contiguous run it reads.
 */
class FileTransportEquivalenceTest extends QueuePairEquivalenceContract {
    @Override
    protected QueueTransport openTransport(Path image, int queueDepth) {
        FileTransport transport = FileTransport.open(image, queueDepth);
        transport.checkPrpListsInTests();
        return transport;
    }

    @Override
    protected int bufferOffsetAlignment() {
        return FileTransport.DIRECT_IO_ALIGNMENT;
    }

    @Override
    protected void opened(NvmeDevice device) {
        assertTrue(device.transport() instanceof FileTransport);
    }
}
