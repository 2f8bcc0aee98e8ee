package dev.atlas.bench.middlebox;

/** What the middlebox did: plain fields written by its one thread, printed on exit. */
final class MiddleboxCounters {
    long received;
    long forwarded;
    long droppedLoss;
    long droppedPoolFull;
    long droppedOversize;
    /** Times a due frame waited because the TX ring was full. */
    long txRingFull;

    long maxHeld;
    /** Frames the kernel could not put in the RX ring (read once at exit). */
    volatile long kernelRxDrops = -1;

    String describe(DelayBand[] bands) {
        StringBuilder b = new StringBuilder()
                .append("received=")
                .append(received)
                .append(" forwarded=")
                .append(forwarded)
                .append(" lost=")
                .append(droppedLoss)
                .append(" pool-full=")
                .append(droppedPoolFull)
                .append(" oversize=")
                .append(droppedOversize)
                .append(" tx-ring-full=")
                .append(txRingFull)
                .append(" max-held=")
                .append(maxHeld);
        for (DelayBand band : bands) {
            b.append(" band-")
                    .append(band.delayNanos() / 1_000_000)
                    .append("ms=")
                    .append(band.forwarded);
        }
        return b.toString();
    }
}
