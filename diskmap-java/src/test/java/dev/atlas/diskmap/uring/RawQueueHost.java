package dev.atlas.diskmap.uring;

import dev.atlas.diskmap.nvme.NvmeCommand;
import dev.atlas.diskmap.nvme.NvmeCommandDescriptor;
import dev.atlas.diskmap.nvme.NvmeCompletion;
import dev.atlas.diskmap.nvme.NvmeCompletionDescriptor;

/** The host side of one queue pair, by hand: enough to drive a transport without the driver. */
final class RawQueueHost {
    final UringQueueTransport transport;
    final NvmeCommand command = new NvmeCommand();
    final NvmeCompletion completion = new NvmeCompletion();
    int sqTail;
    int cqHead;
    int phase = 1;

    RawQueueHost(UringQueueTransport transport) {
        this.transport = transport;
    }

    /** Wraps the next SQ entry, zeroed; visible to the transport at {@link #ring()}. */
    NvmeCommand next() {
        command.wrap(transport.submissionQueue(), (long) sqTail * NvmeCommandDescriptor.LENGTH)
                .clear();
        sqTail = (sqTail + 1) % transport.queueDepth();
        return command;
    }

    void ring() {
        transport.ringSubmissionDoorbell(sqTail);
    }

    /** Waits (at most 10 s) for the next completion, rings the CQ doorbell, returns the entry. */
    NvmeCompletion take() {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            completion.wrap(transport.completionQueue(), (long) cqHead * NvmeCompletionDescriptor.LENGTH);
            if (completion.phase() == phase) {
                cqHead = (cqHead + 1) % transport.queueDepth();
                if (cqHead == 0) {
                    phase ^= 1;
                }
                transport.ringCompletionDoorbell(cqHead);
                return completion;
            }
            transport.poll();
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no completion within 10 s");
            }
        }
    }
}
