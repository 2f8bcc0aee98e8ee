package dev.atlas.catalogue.cli;

import dev.atlas.catalogue.Progress;
import dev.atlas.catalogue.Sizes;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar on stderr: bytes done of total, files done of total (when the work is
 * a list of files), rate and the time still to go at that rate; redrawn at most
 * {@link #REDRAW_NANOS} apart; ends with the total and the average rate.
 */
final class ProgressBar implements Progress {

    private static final long REDRAW_NANOS = 200_000_000L;
    private static final int WIDTH = 30;
    private static final double NANOS_PER_SECOND = 1e9;
    private static final int SECONDS_PER_MINUTE = 60;
    private static final int SECONDS_PER_HOUR = 3600;

    private final PrintStream out;
    private final LongSupplier nanoClock;
    private String task;
    private long total;
    private long done;
    private int totalFiles;
    private int filesDone;
    private long startNanos;
    private long lastDrawNanos;

    ProgressBar(PrintStream out) {
        this(out, System::nanoTime);
    }

    ProgressBar(PrintStream out, LongSupplier nanoClock) {
        this.out = out;
        this.nanoClock = nanoClock;
    }

    @Override
    public void begin(String task, long totalBytes) {
        this.task = task;
        this.total = totalBytes;
        this.done = 0;
        this.totalFiles = 0;
        this.filesDone = 0;
        this.startNanos = nanoClock.getAsLong();
        this.lastDrawNanos = 0;
        draw(startNanos);
    }

    @Override
    public void files(int count) {
        totalFiles = count;
    }

    @Override
    public void fileDone() {
        filesDone++;
        maybeDraw();
    }

    @Override
    public void advance(long bytes) {
        done += bytes;
        maybeDraw();
    }

    private void maybeDraw() {
        final long now = nanoClock.getAsLong();
        if (now - lastDrawNanos >= REDRAW_NANOS) {
            draw(now);
        }
    }

    @Override
    public void end() {
        final long now = nanoClock.getAsLong();
        final double seconds = Math.max(now - startNanos, 1) / NANOS_PER_SECOND;
        out.printf(
                Locale.ROOT,
                "\r%-12s %s%s in %.1f s, %s/s%s%n",
                task,
                Sizes.human(done),
                totalFiles > 0 ? ", " + filesDone + " file(s)" : "",
                seconds,
                Sizes.human((long) (done / seconds)),
                " ".repeat(WIDTH));
        out.flush();
    }

    private void draw(long now) {
        lastDrawNanos = now;
        final double fraction = total <= 0 ? 1 : Math.min(1, (double) done / total);
        final int filled = (int) (fraction * WIDTH);
        final double seconds = Math.max(now - startNanos, 1) / NANOS_PER_SECOND;
        final long rate = (long) (done / seconds);
        final String files = totalFiles > 0 ? filesDone + "/" + totalFiles + " files  " : "";
        final String eta = rate <= 0 ? "--:--" : clock((total - done) / rate);
        out.printf(
                Locale.ROOT,
                "\r%-12s [%s%s] %3.0f%% %s / %s  %s%s/s  ETA %s ",
                task,
                "#".repeat(filled),
                " ".repeat(WIDTH - filled),
                fraction * 100,
                Sizes.human(done),
                Sizes.human(total),
                files,
                Sizes.human(rate),
                eta);
        out.flush();
    }

    /** Seconds as m:ss, or h:mm:ss from an hour on. */
    static String clock(long seconds) {
        final long s = Math.max(seconds, 0);
        if (s >= SECONDS_PER_HOUR) {
            return String.format(
                    Locale.ROOT,
                    "%d:%02d:%02d",
                    s / SECONDS_PER_HOUR,
                    s % SECONDS_PER_HOUR / SECONDS_PER_MINUTE,
                    s % SECONDS_PER_MINUTE);
        }
        return String.format(Locale.ROOT, "%d:%02d", s / SECONDS_PER_MINUTE, s % SECONDS_PER_MINUTE);
    }
}
