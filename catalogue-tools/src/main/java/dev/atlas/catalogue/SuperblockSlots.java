package dev.atlas.catalogue;

import dev.atlas.catalogue.device.BlockDevice;
import dev.atlas.catalogue.format.SuperblockDescriptor;
import java.lang.foreign.MemorySegment;

/**
 * The two superblock slots of one device as read from disk: each is either a valid superblock
 * or the reason it is not. The valid one with the higher generation wins.
 */
public record SuperblockSlots(Superblock[] valid, String[] problems) {

    /** Reads blocks 0 and 1 of {@code device} through {@code buffer} (a device buffer of ≥ 2 blocks). */
    public static SuperblockSlots read(BlockDevice device, MemorySegment buffer) {
        final int blockSize = device.blockSize();
        final MemorySegment blocks = buffer.asSlice(0, (long) SuperblockDescriptor.SLOT_COUNT * blockSize);
        device.read(0, blocks);
        final Superblock[] valid = new Superblock[SuperblockDescriptor.SLOT_COUNT];
        final String[] problems = new String[SuperblockDescriptor.SLOT_COUNT];
        for (int slot = 0; slot < SuperblockDescriptor.SLOT_COUNT; slot++) {
            try {
                valid[slot] = Superblock.decode(blocks.asSlice((long) slot * blockSize, blockSize));
            } catch (CatalogueFormatException e) {
                problems[slot] = e.getMessage();
            }
        }
        return new SuperblockSlots(valid, problems);
    }

    /** The winning superblock, or null when neither slot is valid. */
    public Superblock winner() {
        Superblock best = null;
        for (Superblock sb : valid) {
            if (sb != null && (best == null || sb.generation() > best.generation())) {
                best = sb;
            }
        }
        return best;
    }

    /** True when some slot holds bytes that look like a catalogue (valid or merely damaged). */
    public boolean anyValid() {
        return winner() != null;
    }

    /** Why no slot is valid, for a message. */
    public String whyInvalid() {
        return "block 0: " + problems[0] + "; block 1: " + problems[1];
    }
}
