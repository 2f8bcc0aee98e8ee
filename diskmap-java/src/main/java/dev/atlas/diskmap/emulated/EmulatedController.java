package dev.atlas.diskmap.emulated;

import dev.atlas.diskmap.nvme.NvmeCommand;
import dev.atlas.diskmap.nvme.NvmeCommandDescriptor;
import dev.atlas.diskmap.nvme.NvmeCompletion;
import dev.atlas.diskmap.nvme.NvmeCompletionDescriptor;
import dev.atlas.diskmap.nvme.NvmeOpcode;
import dev.atlas.diskmap.nvme.NvmeStatus;
import dev.atlas.diskmap.transport.DeviceGeometry;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An NVMe controller modelled in Java, working on the host's raw queue memory.
 *
 * <p>It reads 64-byte submission entries from the SQ up to the tail doorbell, follows PRP1,
 * PRP2 and PRP lists by bus address (= virtual address, reached through one segment spanning
 * the address space), moves data to or from its media (a mapped image file) and posts 16-byte
 * completion entries with the phase tag, never past the CQ head doorbell. It validates what a
 * real controller validates (opcode, reserved flags, namespace, LBA range, transfer size, PRP
 * alignment, data pointers inside registered memory) and answers with the NVMe status codes.
 *
 * <p>All work happens in {@link #poll()}, on the caller's thread, so a run is deterministic for
 * a given {@link EmulatedFaults} seed. The per-command path allocates nothing (only the optional
 * volatile-write-cache model keeps pre-images on the heap).
 */
public final class EmulatedController {
    private static final int PAGE_SIZE = 4096;
    private static final long PAGE_OFFSET_MASK = PAGE_SIZE - 1;
    private static final long PRP1_ALIGNMENT_MASK = Integer.BYTES - 1;
    private static final long PRP_LIST_ALIGNMENT_MASK = Long.BYTES - 1;
    private static final int BROADCAST_NAMESPACE = 0xFFFFFFFF;
    private static final int SUBMISSION_QUEUE_ID = 1;
    private static final int INITIAL_REGIONS = 8;
    private static final long SEED_MIX = 0x9E3779B97F4A7C15L;
    private static final ValueLayout.OfLong PRP_ENTRY =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** The host's address space, for following bus addresses (identity mapping), as a device's DMA would. */
    @SuppressWarnings("restricted")
    private static final MemorySegment HOST_MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private enum Transfer {
        CHECK,
        TO_HOST,
        FROM_HOST
    }

    private final MemorySegment submissionQueue;
    private final MemorySegment completionQueue;
    private final int depth;
    private final DeviceGeometry geometry;
    private final MemorySegment media;
    private final EmulatedFaults faults;
    private final NvmeCommand command = new NvmeCommand();
    private final NvmeCompletion completion = new NvmeCompletion();
    private long random;

    private int sqHead;
    private int sqTailDoorbell;
    private int cqTail;
    private int cqHeadDoorbell;
    private int phase = 1;

    // Fetched, not yet completed commands; pendingOrder keeps fetch order.
    private final int[] pendingCommandId;
    private final int[] pendingOpcode;
    private final int[] pendingFlags;
    private final int[] pendingNamespace;
    private final long[] pendingLba;
    private final int[] pendingBlocks;
    private final long[] pendingPrp1;
    private final long[] pendingPrp2;
    private final long[] pendingNumber;
    private final long[] pendingReadyAt;
    private final int[] pendingOrder;
    private final int[] freeSlots;
    private int pendingCount;
    private int freeSlotCount;

    private long[] regionStart = new long[INITIAL_REGIONS];
    private long[] regionEnd = new long[INITIAL_REGIONS];
    private int regionCount;

    private long polls;
    private long fetchedCommands;
    private long executedWrites;
    private long postedCompletions;
    private long flushes;
    private boolean powerLost;
    /** Media offset where the current transfer stops moving bytes (a torn write's prefix). */
    private long moveLimit;

    private final List<long[]> undoOffsets = new ArrayList<>();
    private final List<byte[]> undoImages = new ArrayList<>();

    /**
     * @param submissionQueue {@code depth * 64} bytes the host writes entries into
     * @param completionQueue {@code depth * 16} zeroed bytes the controller posts into
     * @param media           the namespace's contents, {@code geometry.capacityBytes()} long
     */
    public EmulatedController(
            MemorySegment submissionQueue,
            MemorySegment completionQueue,
            int depth,
            DeviceGeometry geometry,
            MemorySegment media,
            EmulatedFaults faults) {
        this.submissionQueue = submissionQueue;
        this.completionQueue = completionQueue;
        this.depth = depth;
        this.geometry = geometry;
        this.media = media;
        this.faults = faults;
        checkMediaErrorsInside(faults, geometry);
        // Mix the seed so that small seeds (0, 1, 2…) still start the generator far apart.
        this.random = faults.seed ^ SEED_MIX;
        if (random == 0) {
            random = 1;
        }
        this.pendingCommandId = new int[depth];
        this.pendingOpcode = new int[depth];
        this.pendingFlags = new int[depth];
        this.pendingNamespace = new int[depth];
        this.pendingLba = new long[depth];
        this.pendingBlocks = new int[depth];
        this.pendingPrp1 = new long[depth];
        this.pendingPrp2 = new long[depth];
        this.pendingNumber = new long[depth];
        this.pendingReadyAt = new long[depth];
        this.pendingOrder = new int[depth];
        this.freeSlots = new int[depth];
        for (int i = 0; i < depth; i++) {
            freeSlots[i] = i;
        }
        this.freeSlotCount = depth;
    }

    /** A bad region past the namespace could never be read, so it is a mistake in the plan. */
    private static void checkMediaErrorsInside(EmulatedFaults faults, DeviceGeometry geometry) {
        for (int i = 0; i < faults.mediaErrorFirstLbas.length; i++) {
            final long end = faults.mediaErrorEndLbas[i];
            if (end > geometry.blockCount()) {
                throw new IllegalArgumentException("the media error at LBAs " + faults.mediaErrorFirstLbas[i] + ".."
                        + (end - 1) + " reaches past the last LBA " + (geometry.blockCount() - 1) + " of this "
                        + geometry.blockCount() + "-block namespace; choose a region inside it");
            }
        }
    }

    /** SQ tail doorbell write. */
    public void submissionDoorbell(int newTail) {
        if (newTail < 0 || newTail >= depth) {
            throw new IllegalArgumentException("SQ tail doorbell " + newTail + " outside a queue of depth " + depth);
        }
        sqTailDoorbell = newTail;
    }

    /** CQ head doorbell write. */
    public void completionDoorbell(int newHead) {
        if (newHead < 0 || newHead >= depth) {
            throw new IllegalArgumentException("CQ head doorbell " + newHead + " outside a queue of depth " + depth);
        }
        cqHeadDoorbell = newHead;
    }

    /** Allows data transfers to and from {@code region} (and PRP lists in it). */
    public void registerMemory(MemorySegment region) {
        if (regionCount == regionStart.length) {
            regionStart = Arrays.copyOf(regionStart, regionCount * 2);
            regionEnd = Arrays.copyOf(regionEnd, regionCount * 2);
        }
        regionStart[regionCount] = region.address();
        regionEnd[regionCount] = region.address() + region.byteSize();
        regionCount++;
    }

    /**
     * One controller step: fetch new submission entries, then execute and complete every ready
     * command while the CQ has room.
     *
     * @return completion entries posted
     */
    public int poll() {
        polls++;
        fetch();
        int posted = 0;
        while (pendingCount > 0 && !completionQueueFull()) {
            final int position = pickReady();
            if (position < 0) {
                break;
            }
            final int slot = pendingOrder[position];
            removePending(position);
            final int status = execute(slot);
            post(pendingCommandId[slot], status);
            freeSlots[freeSlotCount++] = slot;
            posted++;
        }
        return posted;
    }

    private void fetch() {
        while (sqHead != sqTailDoorbell && freeSlotCount > 0) {
            command.wrap(submissionQueue, (long) sqHead * NvmeCommandDescriptor.LENGTH);
            final int slot = freeSlots[--freeSlotCount];
            pendingCommandId[slot] = command.commandId();
            pendingOpcode[slot] = command.opcode();
            pendingFlags[slot] = command.flags();
            pendingNamespace[slot] = command.namespaceId();
            pendingLba[slot] = command.startingLba();
            pendingBlocks[slot] = command.numberOfBlocks();
            pendingPrp1[slot] = command.prp1();
            pendingPrp2[slot] = command.prp2();
            pendingNumber[slot] = ++fetchedCommands;
            pendingReadyAt[slot] = polls + delay();
            pendingOrder[pendingCount++] = slot;
            sqHead = sqHead + 1 == depth ? 0 : sqHead + 1;
        }
    }

    private int delay() {
        final int span = faults.maxDelayPolls - faults.minDelayPolls;
        return faults.minDelayPolls + (span == 0 ? 0 : nextInt(span + 1));
    }

    /** Position in pendingOrder of the command to complete next, or -1 if none is ready. */
    private int pickReady() {
        if (!faults.outOfOrder) {
            for (int i = 0; i < pendingCount; i++) {
                if (pendingReadyAt[pendingOrder[i]] <= polls) {
                    return i;
                }
            }
            return -1;
        }
        int ready = 0;
        for (int i = 0; i < pendingCount; i++) {
            if (pendingReadyAt[pendingOrder[i]] <= polls) {
                ready++;
            }
        }
        if (ready == 0) {
            return -1;
        }
        int chosen = nextInt(ready);
        for (int i = 0; i < pendingCount; i++) {
            if (pendingReadyAt[pendingOrder[i]] <= polls && chosen-- == 0) {
                return i;
            }
        }
        throw new AssertionError("ready command vanished");
    }

    private void removePending(int position) {
        System.arraycopy(pendingOrder, position + 1, pendingOrder, position, pendingCount - position - 1);
        pendingCount--;
    }

    private boolean completionQueueFull() {
        final int next = cqTail + 1 == depth ? 0 : cqTail + 1;
        return next == cqHeadDoorbell;
    }

    private void post(int commandId, int status) {
        completion
                .wrap(completionQueue, (long) cqTail * NvmeCompletionDescriptor.LENGTH)
                .dw0(0)
                .dw1(0)
                .sqHead(sqHead)
                .sqId(SUBMISSION_QUEUE_ID)
                .commandId(commandId)
                .publishStatus(status, phase);
        if (++cqTail == depth) {
            cqTail = 0;
            phase ^= NvmeCompletionDescriptor.PHASE_TAG_BIT;
        }
        postedCompletions++;
    }

    private int execute(int slot) {
        if (powerLost) {
            return NvmeStatus.ABORTED_POWER_LOSS;
        }
        final int opcode = pendingOpcode[slot];
        if (opcode != NvmeOpcode.READ && opcode != NvmeOpcode.WRITE && opcode != NvmeOpcode.FLUSH) {
            return NvmeStatus.INVALID_OPCODE | NvmeStatus.DO_NOT_RETRY;
        }
        if (pendingFlags[slot] != 0) {
            // Fused operations and SGLs are not supported by this controller.
            return NvmeStatus.INVALID_FIELD | NvmeStatus.DO_NOT_RETRY;
        }
        final int namespace = pendingNamespace[slot];
        if (namespace != geometry.namespaceId() && !(opcode == NvmeOpcode.FLUSH && namespace == BROADCAST_NAMESPACE)) {
            return NvmeStatus.INVALID_NAMESPACE | NvmeStatus.DO_NOT_RETRY;
        }
        if (opcode == NvmeOpcode.FLUSH) {
            return flush(slot);
        }
        final long lba = pendingLba[slot];
        final int blocks = pendingBlocks[slot];
        if (lba < 0 || lba > geometry.blockCount() - blocks) {
            return NvmeStatus.LBA_OUT_OF_RANGE | NvmeStatus.DO_NOT_RETRY;
        }
        final long length = (long) blocks * geometry.blockSize();
        if (length > geometry.maxTransferBytes()) {
            return NvmeStatus.INVALID_FIELD | NvmeStatus.DO_NOT_RETRY;
        }
        final long prp1 = pendingPrp1[slot];
        final long prp2 = pendingPrp2[slot];
        final long mediaOffset = lba * geometry.blockSize();
        final int check = walk(Transfer.CHECK, prp1, prp2, mediaOffset, length);
        if (check != NvmeStatus.SUCCESS) {
            return check;
        }
        final int chosen = chosenFailure(pendingNumber[slot]);
        if (opcode == NvmeOpcode.READ) {
            if (chosen != NvmeStatus.SUCCESS) {
                return chosen;
            }
            if (faults.errorRate > 0 && nextDouble() < faults.errorRate) {
                return faults.readErrorStatus;
            }
            // After the random draw, so adding a bad region leaves every other command's fate
            // under the same seed unchanged.
            if (faults.touchesMediaError(lba, blocks)) {
                return EmulatedFaults.MEDIA_ERROR_STATUS;
            }
            return walk(Transfer.TO_HOST, prp1, prp2, mediaOffset, length);
        }
        return write(prp1, prp2, mediaOffset, blocks, chosen);
    }

    private int write(long prp1, long prp2, long mediaOffset, int blocks, int chosenFailure) {
        final long writeNumber = ++executedWrites;
        final long length = (long) blocks * geometry.blockSize();
        if (faults.powerCutAfterWrite == writeNumber) {
            if (faults.powerCutTearsWrite) {
                persist(prp1, prp2, mediaOffset, length, (long) nextInt(blocks) * geometry.blockSize());
            }
            cutPower();
            return NvmeStatus.ABORTED_POWER_LOSS;
        }
        if (chosenFailure != NvmeStatus.SUCCESS) {
            return chosenFailure;
        }
        if (faults.errorRate > 0 && nextDouble() < faults.errorRate) {
            return faults.writeErrorStatus;
        }
        if (faults.tornWriteRate > 0 && nextDouble() < faults.tornWriteRate) {
            persist(prp1, prp2, mediaOffset, length, (long) nextInt(blocks) * geometry.blockSize());
            return NvmeStatus.WRITE_FAULT;
        }
        return persist(prp1, prp2, mediaOffset, length, length);
    }

    /** Writes the first {@code persisted} bytes of a {@code length}-byte command to the media. */
    private int persist(long prp1, long prp2, long mediaOffset, long length, long persisted) {
        if (persisted == 0) {
            return NvmeStatus.SUCCESS;
        }
        if (faults.unflushedLossRate > 0) {
            undoOffsets.add(new long[] {mediaOffset});
            undoImages.add(media.asSlice(mediaOffset, persisted).toArray(ValueLayout.JAVA_BYTE));
        }
        return walk(Transfer.FROM_HOST, prp1, prp2, mediaOffset, length, persisted);
    }

    private int flush(int slot) {
        final int chosen = chosenFailure(pendingNumber[slot]);
        if (chosen != NvmeStatus.SUCCESS) {
            return chosen;
        }
        if (faults.errorRate > 0 && nextDouble() < faults.errorRate) {
            return faults.flushErrorStatus;
        }
        if (media.isMapped()) {
            media.force();
        }
        undoOffsets.clear();
        undoImages.clear();
        flushes++;
        return NvmeStatus.SUCCESS;
    }

    private void cutPower() {
        powerLost = true;
        for (int i = undoImages.size() - 1; i >= 0; i--) {
            if (nextDouble() < faults.unflushedLossRate) {
                final byte[] image = undoImages.get(i);
                MemorySegment.copy(
                        MemorySegment.ofArray(image), 0, media, undoOffsets.get(i)[0], image.length);
            }
        }
        undoOffsets.clear();
        undoImages.clear();
    }

    private int chosenFailure(long commandNumber) {
        final long[] numbers = faults.failingCommands;
        for (int i = 0; i < numbers.length; i++) {
            if (numbers[i] == commandNumber) {
                return faults.failingStatuses[i];
            }
        }
        return NvmeStatus.SUCCESS;
    }

    /**
     * Follows the data pointer: PRP1 to the end of its page, then PRP2 as the second page or
     * as a PRP list (whose last entry chains to the next list page when more pages follow).
     * Moves {@code length} bytes unless only checking; returns a status.
     */
    private int walk(Transfer transfer, long prp1, long prp2, long mediaOffset, long length) {
        return walk(transfer, prp1, prp2, mediaOffset, length, length);
    }

    /**
     * As {@link #walk(Transfer, long, long, long, long)} for a command of {@code length} bytes
     * (which decides how PRP2 is read), moving only its first {@code moveLimit} bytes.
     */
    private int walk(Transfer transfer, long prp1, long prp2, long mediaOffset, long length, long moveLimit) {
        this.moveLimit = mediaOffset + moveLimit;
        if ((prp1 & PRP1_ALIGNMENT_MASK) != 0) {
            return NvmeStatus.PRP_OFFSET_INVALID | NvmeStatus.DO_NOT_RETRY;
        }
        long remaining = length;
        long mediaPosition = mediaOffset;
        long chunk = Math.min(remaining, PAGE_SIZE - (prp1 & PAGE_OFFSET_MASK));
        int status = move(transfer, prp1, chunk, mediaPosition);
        if (status != NvmeStatus.SUCCESS) {
            return status;
        }
        remaining -= chunk;
        mediaPosition += chunk;
        if (remaining == 0) {
            return NvmeStatus.SUCCESS;
        }
        if (remaining <= PAGE_SIZE) {
            if ((prp2 & PAGE_OFFSET_MASK) != 0) {
                return NvmeStatus.PRP_OFFSET_INVALID | NvmeStatus.DO_NOT_RETRY;
            }
            return move(transfer, prp2, remaining, mediaPosition);
        }
        if ((prp2 & PRP_LIST_ALIGNMENT_MASK) != 0) {
            return NvmeStatus.PRP_OFFSET_INVALID | NvmeStatus.DO_NOT_RETRY;
        }
        long entryAddress = prp2;
        while (remaining > 0) {
            if (!registered(entryAddress, Long.BYTES)) {
                return NvmeStatus.DATA_TRANSFER_ERROR;
            }
            final long entry = HOST_MEMORY.get(PRP_ENTRY, entryAddress);
            final boolean lastInListPage = (entryAddress & PAGE_OFFSET_MASK) == PAGE_SIZE - Long.BYTES;
            if (lastInListPage && remaining > PAGE_SIZE) {
                if ((entry & PRP_LIST_ALIGNMENT_MASK) != 0) {
                    return NvmeStatus.PRP_OFFSET_INVALID | NvmeStatus.DO_NOT_RETRY;
                }
                entryAddress = entry;
                continue;
            }
            if ((entry & PAGE_OFFSET_MASK) != 0) {
                return NvmeStatus.PRP_OFFSET_INVALID | NvmeStatus.DO_NOT_RETRY;
            }
            chunk = Math.min(remaining, PAGE_SIZE);
            status = move(transfer, entry, chunk, mediaPosition);
            if (status != NvmeStatus.SUCCESS) {
                return status;
            }
            remaining -= chunk;
            mediaPosition += chunk;
            entryAddress += Long.BYTES;
        }
        return NvmeStatus.SUCCESS;
    }

    private int move(Transfer transfer, long address, long length, long mediaPosition) {
        if (!registered(address, length)) {
            return NvmeStatus.DATA_TRANSFER_ERROR;
        }
        final long moved = Math.max(0, Math.min(length, moveLimit - mediaPosition));
        switch (transfer) {
            case TO_HOST -> MemorySegment.copy(media, mediaPosition, HOST_MEMORY, address, moved);
            case FROM_HOST -> MemorySegment.copy(HOST_MEMORY, address, media, mediaPosition, moved);
            case CHECK -> {}
        }
        return NvmeStatus.SUCCESS;
    }

    private boolean registered(long address, long length) {
        for (int i = 0; i < regionCount; i++) {
            if (address >= regionStart[i] && address + length <= regionEnd[i]) {
                return true;
            }
        }
        return false;
    }

    private long nextLong() {
        // xorshift64*: small, seedable, allocation-free.
        random ^= random >>> 12;
        random ^= random << 25;
        random ^= random >>> 27;
        return random * 0x2545F4914F6CDD1DL;
    }

    private int nextInt(int bound) {
        return (int) ((nextLong() >>> 33) % bound);
    }

    private double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** True once an injected power cut happened; every later command fails. */
    public boolean powerLost() {
        return powerLost;
    }

    public long fetchedCommands() {
        return fetchedCommands;
    }

    public long executedWrites() {
        return executedWrites;
    }

    public long postedCompletions() {
        return postedCompletions;
    }

    public long flushes() {
        return flushes;
    }

    /** Commands fetched from the SQ and not yet completed. */
    public int pendingCommands() {
        return pendingCount;
    }

    public int queueDepth() {
        return depth;
    }
}
