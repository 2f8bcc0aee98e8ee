package dev.atlas.bench.middlebox;

/**
 * The frames held for one delay band, in arrival order. Every frame of a band waits the same
 * constant delay, so due times rise in arrival order and a FIFO releases them in due-time order:
 * this is the degenerate case of the thesis's timing wheel (one slot per band, O(1) per frame),
 * with none of a wheel's bucket scanning.
 */
final class DelayBand {
    private final long delayNanos;
    private final int[] frames;
    private final long[] due;
    private long head;
    private long tail;
    /** Frames this band has forwarded. */
    long forwarded;

    DelayBand(long delayNanos, int capacity) {
        this.delayNanos = delayNanos;
        this.frames = new int[capacity];
        this.due = new long[capacity];
    }

    long delayNanos() {
        return delayNanos;
    }

    /** Holds pool frame {@code frame} received at {@code now}; the caller guarantees room (capacity = pool size). */
    void hold(int frame, long now) {
        int i = (int) (tail % frames.length);
        frames[i] = frame;
        due[i] = now + delayNanos;
        tail++;
    }

    boolean isEmpty() {
        return head == tail;
    }

    /** Due time of the oldest held frame; only when not empty. */
    long headDue() {
        return due[(int) (head % frames.length)];
    }

    int headFrame() {
        return frames[(int) (head % frames.length)];
    }

    void pop() {
        head++;
        forwarded++;
    }

    int held() {
        return (int) (tail - head);
    }
}
