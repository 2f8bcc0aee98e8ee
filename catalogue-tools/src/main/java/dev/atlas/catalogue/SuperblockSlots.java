package dev.atlas.catalogue;

import dev.atlas.catalogue.device.BlockDevice;
import dev.atlas.catalogue.format.SuperblockDescriptor;
import java.lang.foreign.MemorySegment;

/**
 * The two superblock slots of one device as read from disk: each is either a valid superblock
 * or the reason it is not. The valid one with the higher generation wins. Every slot of a
 * formatted device holds a superblock, so a slot that does not (or holds one of another set or
 * position) is damaged, never merely unused.
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

    /**
     * The winning superblock, or null when neither slot is valid: the higher generation; of two
     * copies of one generation, the one in the slot a commit writes first.
     */
    public Superblock winner() {
        Superblock best = null;
        for (Superblock sb : valid) {
            if (sb != null && (best == null || sb.generation() > best.generation())) {
                best = sb;
            }
        }
        if (best != null) {
            final Superblock first = valid[SuperblockDescriptor.slotOf(best.generation())];
            if (first != null && first.generation() == best.generation()) {
                return first;
            }
        }
        return best;
    }

    /** The slot the winner was read from, or -1. */
    public int winnerSlot() {
        final Superblock w = winner();
        for (int slot = 0; slot < valid.length; slot++) {
            if (w != null && valid[slot] == w) {
                return slot;
            }
        }
        return -1;
    }

    /**
     * The valid superblock in the other slot than the winner, of the same device of the same set:
     * on device 0, the other copy of the newest generation (or the previous generation, while a
     * commit is under way or after one was cut short). Null when that slot is damaged.
     */
    public Superblock runnerUp() {
        final int w = winnerSlot();
        if (w < 0) {
            return null;
        }
        final Superblock other = valid[1 - w];
        return other != null && other.sameDeviceAs(valid[w]) ? other : null;
    }

    /** True when some slot holds bytes that look like a catalogue (valid or merely damaged). */
    public boolean anyValid() {
        return winner() != null;
    }

    /** Why {@code slot} is damaged, or null when it holds a superblock of the winner's device and set. */
    public String damage(int slot) {
        final int w = winnerSlot();
        if (w < 0 || slot == w) {
            return w < 0 ? problems[slot] : null;
        }
        if (valid[slot] == null) {
            return problems[slot];
        }
        return valid[slot].sameDeviceAs(valid[w]) ? null : "it holds a superblock of another set or device position";
    }

    /** Why no slot is valid, for a message. */
    public String whyInvalid() {
        return "block 0: " + problems[0] + "; block 1: " + problems[1];
    }
}
