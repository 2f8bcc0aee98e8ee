package dev.atlas.catalogue.cli;

import dev.atlas.catalogue.Progress;
import dev.atlas.catalogue.Sizes;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar with bytes/s on stderr, redrawn at most {@link #REDRAW_NANOS} apart;
 * ends with the total and the average rate.
 */
final class ProgressBar implements Progress {

    private static final long REDRAW_NANOS = 200_000_000L;
    private static final int WIDTH = 30;
    private static final double NANOS_PER_SECOND = 1e9;

    private final PrintStream out;
    private String task;
    private long total;
    private long done;
    private long startNanos;
    private long lastDrawNanos;

    ProgressBar(PrintStream out) {
        this.out = out;
    }

    @Override
    public void begin(String task, long totalBytes) {
        this.task = task;
        this.total = totalBytes;
        this.done = 0;
        this.startNanos = System.nanoTime();
        this.lastDrawNanos = 0;
        draw(startNanos);
    }

    @Override
    public void advance(long bytes) {
        done += bytes;
        final long now = System.nanoTime();
        if (now - lastDrawNanos >= REDRAW_NANOS) {
            draw(now);
        }
    }

    @Override
    public void end() {
        final long now = System.nanoTime();
        final double seconds = Math.max(now - startNanos, 1) / NANOS_PER_SECOND;
        out.printf(Locale.ROOT, "\r%-12s %s in %.1f s, %s/s%s%n", task, Sizes.human(done), seconds,
                Sizes.human((long) (done / seconds)), " ".repeat(WIDTH));
        out.flush();
    }

    private void draw(long now) {
        lastDrawNanos = now;
        final double fraction = total <= 0 ? 1 : Math.min(1, (double) done / total);
        final int filled = (int) (fraction * WIDTH);
        final double seconds = Math.max(now - startNanos, 1) / NANOS_PER_SECOND;
        final long rate = (long) (done / seconds);
        out.printf(Locale.ROOT, "\r%-12s [%s%s] %3.0f%% %s / %s  %s/s ", task, "#".repeat(filled),
                " ".repeat(WIDTH - filled), fraction * 100, Sizes.human(done), Sizes.human(total), Sizes.human(rate));
        out.flush();
    }
}
