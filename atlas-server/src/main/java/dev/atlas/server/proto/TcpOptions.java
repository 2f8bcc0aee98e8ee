package dev.atlas.server.proto;

import dev.atlas.server.ring.Wire;
import java.lang.foreign.MemorySegment;

/**
 * Reads the options of one TCP header into plain fields (one reusable instance per lane) and
 * writes options with static {@code put…} helpers that return the bytes written.
 *
 * <p>Parsing never throws: malformed option lists make {@link #parse} return {@code false}
 * with whatever was read before the fault discarded.
 */
public final class TcpOptions {
    public static final int KIND_END = 0;
    public static final int KIND_NOP = 1;
    public static final int KIND_MSS = 2;
    public static final int KIND_WINDOW_SCALE = 3;
    public static final int KIND_SACK_PERMITTED = 4;
    public static final int KIND_SACK = 5;
    public static final int KIND_TIMESTAMP = 8;

    public static final int LENGTH_MSS = 4;
    public static final int LENGTH_WINDOW_SCALE = 3;
    public static final int LENGTH_SACK_PERMITTED = 2;
    public static final int LENGTH_TIMESTAMP = 10;
    public static final int SACK_BLOCK_LENGTH = 8;
    /** Bytes the timestamp option takes with the two NOPs that align it to 32 bits (NOP, NOP, TS). */
    public static final int ALIGNED_TIMESTAMP = 2 + LENGTH_TIMESTAMP;
    /** At most four blocks fit in 40 option bytes (three beside timestamps). */
    public static final int MAX_SACK_BLOCKS = 4;
    /** RFC 7323: shift counts above 14 are treated as 14. */
    public static final int MAX_WINDOW_SCALE = 14;

    /** Absent MSS or window scale. */
    public static final int ABSENT = -1;

    private static final int KIND_AND_LENGTH = 2;

    private int mss;
    private int windowScale;
    private boolean sackPermitted;
    private boolean timestampPresent;
    private int timestampValue;
    private int timestampEcho;
    private int sackBlockCount;
    private final int[] sackLeft = new int[MAX_SACK_BLOCKS];
    private final int[] sackRight = new int[MAX_SACK_BLOCKS];

    /** Clears every field to "absent". */
    public void clear() {
        mss = ABSENT;
        windowScale = ABSENT;
        sackPermitted = false;
        timestampPresent = false;
        timestampValue = 0;
        timestampEcho = 0;
        sackBlockCount = 0;
    }

    /**
     * Parses the options of the TCP header at {@code tcp} (its data offset gives their extent;
     * the caller has checked the header lies inside the frame). Returns {@code false} on a
     * malformed list (bad length byte, option running past the header), leaving fields cleared.
     */
    public boolean parse(MemorySegment s, long tcp) {
        clear();
        long at = tcp + TcpHeader.MIN_LENGTH;
        long end = tcp + TcpHeader.headerLength(s, tcp);
        while (at < end) {
            int kind = Wire.u8(s, at);
            if (kind == KIND_END) {
                return true;
            }
            if (kind == KIND_NOP) {
                at++;
                continue;
            }
            if (end - at < KIND_AND_LENGTH) {
                clear();
                return false;
            }
            int length = Wire.u8(s, at + 1);
            if (length < KIND_AND_LENGTH || at + length > end) {
                clear();
                return false;
            }
            if (!readOption(s, at, kind, length)) {
                clear();
                return false;
            }
            at += length;
        }
        return true;
    }

    private boolean readOption(MemorySegment s, long at, int kind, int length) {
        switch (kind) {
            case KIND_MSS -> {
                if (length != LENGTH_MSS) {
                    return false;
                }
                mss = Wire.u16(s, at + KIND_AND_LENGTH);
            }
            case KIND_WINDOW_SCALE -> {
                if (length != LENGTH_WINDOW_SCALE) {
                    return false;
                }
                windowScale = Math.min(Wire.u8(s, at + KIND_AND_LENGTH), MAX_WINDOW_SCALE);
            }
            case KIND_SACK_PERMITTED -> {
                if (length != LENGTH_SACK_PERMITTED) {
                    return false;
                }
                sackPermitted = true;
            }
            case KIND_TIMESTAMP -> {
                if (length != LENGTH_TIMESTAMP) {
                    return false;
                }
                timestampPresent = true;
                timestampValue = Wire.u32(s, at + KIND_AND_LENGTH);
                timestampEcho = Wire.u32(s, at + KIND_AND_LENGTH + Integer.BYTES);
            }
            case KIND_SACK -> {
                int payload = length - KIND_AND_LENGTH;
                if (payload % SACK_BLOCK_LENGTH != 0 || payload == 0) {
                    return false;
                }
                int blocks = Math.min(payload / SACK_BLOCK_LENGTH, MAX_SACK_BLOCKS);
                for (int i = 0; i < blocks; i++) {
                    long block = at + KIND_AND_LENGTH + (long) i * SACK_BLOCK_LENGTH;
                    sackLeft[i] = Wire.u32(s, block);
                    sackRight[i] = Wire.u32(s, block + Integer.BYTES);
                }
                sackBlockCount = blocks;
            }
            default -> {
                // Unknown options are skipped by their length (RFC 9293 §3.1).
            }
        }
        return true;
    }

    /** Maximum segment size, or {@link #ABSENT}. */
    public int mss() {
        return mss;
    }

    /** Window scale shift (clamped to 14), or {@link #ABSENT}. */
    public int windowScale() {
        return windowScale;
    }

    public boolean sackPermitted() {
        return sackPermitted;
    }

    public boolean timestampPresent() {
        return timestampPresent;
    }

    public int timestampValue() {
        return timestampValue;
    }

    public int timestampEcho() {
        return timestampEcho;
    }

    public int sackBlockCount() {
        return sackBlockCount;
    }

    /** Left edge of SACK block {@code i} (first sequence number SACKed). */
    public int sackLeft(int i) {
        return sackLeft[i];
    }

    /** Right edge of SACK block {@code i} (one past the last sequence number SACKed). */
    public int sackRight(int i) {
        return sackRight[i];
    }

    /** Writes an MSS option; returns {@link #LENGTH_MSS}. */
    public static int putMss(MemorySegment s, long at, int mss) {
        Wire.u8(s, at, KIND_MSS);
        Wire.u8(s, at + 1, LENGTH_MSS);
        Wire.u16(s, at + KIND_AND_LENGTH, mss);
        return LENGTH_MSS;
    }

    /** Writes NOP + window scale, keeping 4-byte alignment; returns 4. */
    public static int putNopWindowScale(MemorySegment s, long at, int shift) {
        Wire.u8(s, at, KIND_NOP);
        Wire.u8(s, at + 1, KIND_WINDOW_SCALE);
        Wire.u8(s, at + 2, LENGTH_WINDOW_SCALE);
        Wire.u8(s, at + 3, shift);
        return 1 + LENGTH_WINDOW_SCALE;
    }

    /** Writes NOP, NOP, SACK-permitted; returns 4. */
    public static int putNopNopSackPermitted(MemorySegment s, long at) {
        Wire.u8(s, at, KIND_NOP);
        Wire.u8(s, at + 1, KIND_NOP);
        Wire.u8(s, at + 2, KIND_SACK_PERMITTED);
        Wire.u8(s, at + 3, LENGTH_SACK_PERMITTED);
        return KIND_AND_LENGTH + LENGTH_SACK_PERMITTED;
    }

    /** Writes NOP, NOP, timestamps (the aligned form); returns {@link #ALIGNED_TIMESTAMP}. */
    public static int putNopNopTimestamp(MemorySegment s, long at, int value, int echo) {
        Wire.u8(s, at, KIND_NOP);
        Wire.u8(s, at + 1, KIND_NOP);
        Wire.u8(s, at + 2, KIND_TIMESTAMP);
        Wire.u8(s, at + 3, LENGTH_TIMESTAMP);
        Wire.u32(s, at + 4, value);
        Wire.u32(s, at + 8, echo);
        return ALIGNED_TIMESTAMP;
    }

    /**
     * Writes NOP, NOP, SACK with {@code count} blocks taken from the arrays; returns
     * {@code 4 + 8 × count}.
     */
    public static int putNopNopSack(MemorySegment s, long at, int[] left, int[] right, int count) {
        Wire.u8(s, at, KIND_NOP);
        Wire.u8(s, at + 1, KIND_NOP);
        Wire.u8(s, at + 2, KIND_SACK);
        Wire.u8(s, at + 3, KIND_AND_LENGTH + count * SACK_BLOCK_LENGTH);
        for (int i = 0; i < count; i++) {
            long block = at + 4 + (long) i * SACK_BLOCK_LENGTH;
            Wire.u32(s, block, left[i]);
            Wire.u32(s, block + Integer.BYTES, right[i]);
        }
        return KIND_AND_LENGTH + KIND_AND_LENGTH + count * SACK_BLOCK_LENGTH;
    }
}
