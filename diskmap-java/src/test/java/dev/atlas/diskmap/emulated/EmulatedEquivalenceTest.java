package dev.atlas.diskmap.emulated;

import dev.atlas.diskmap.QueuePairEquivalenceContract;
import dev.atlas.diskmap.transport.QueueTransport;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The equivalence contract on the emulated controller with out-of-order completion and small
 * random delays, 512-byte blocks (so requests go down to 512 B), a 64 KiB transfer limit (so
 * large requests are split) and buffers starting anywhere dword aligned (so PRP1 is mid-page).
 */
class EmulatedEquivalenceTest extends QueuePairEquivalenceContract {
    @Override
    protected QueueTransport openTransport(Path image, int queueDepth) throws IOException {
        // The run's seed also drives completion order and delays, so -Datlas.seed replays both.
        return EmulatedTransport.open(
                image,
                queueDepth,
                512,
                64 * 1024,
                EmulatedFaults.seeded(seed()).outOfOrder(true).delayPolls(0, 3));
    }

    @Override
    protected int bufferOffsetAlignment() {
        return 4;
    }
}
