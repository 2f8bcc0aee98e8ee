package dev.atlas.diskmap.emulated;

import dev.atlas.diskmap.nvme.NvmeCommand;
import dev.atlas.diskmap.nvme.NvmeCommandDescriptor;
import dev.atlas.diskmap.nvme.NvmeCompletion;
import dev.atlas.diskmap.nvme.NvmeCompletionDescriptor;

/** Test helper: drives an emulated transport's raw queues by hand, without the queue pair. */
final class RawQueues {
    final EmulatedTransport transport;
    final NvmeCommand command = new NvmeCommand();
    final NvmeCompletion completion = new NvmeCompletion();
    int sqTail;
    int cqHead;
    int phase = 1;

    RawQueues(EmulatedTransport transport) {
        this.transport = transport;
    }

    /** The next free SQ entry; call {@link #queued()} after filling it. */
    NvmeCommand next() {
        return command.wrap(transport.submissionQueue(), (long) sqTail * NvmeCommandDescriptor.LENGTH);
    }

    void queued() {
        sqTail = (sqTail + 1) % transport.queueDepth();
    }

    void ring() {
        transport.ringSubmissionDoorbell(sqTail);
    }

    /** The next completion if its phase says it is new, else null (and nothing is consumed). */
    NvmeCompletion take() {
        completion.wrap(transport.completionQueue(), (long) cqHead * NvmeCompletionDescriptor.LENGTH);
        if ((completion.statusFieldAcquire() & NvmeCompletionDescriptor.PHASE_TAG_BIT) != phase) {
            return null;
        }
        cqHead = (cqHead + 1) % transport.queueDepth();
        if (cqHead == 0) {
            phase ^= 1;
        }
        return completion;
    }

    void releaseCompletions() {
        transport.ringCompletionDoorbell(cqHead);
    }
}
