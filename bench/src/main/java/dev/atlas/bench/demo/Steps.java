package dev.atlas.bench.demo;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The demo's numbered steps, one line each: {@code  3/8  title ....... what came of it  (1.2 s)}.
 * The title is printed when the step starts, so a slow step shows what it is waiting for; detail
 * lines a step adds follow its line, indented.
 */
final class Steps {
    /** A step's work; returns the one-line summary printed after the title. */
    @FunctionalInterface
    interface Step {
        String run() throws Exception;
    }

    private static final int TITLE_WIDTH = 30;
    static final String DETAIL_INDENT = "        ";

    private final PrintStream out;
    private final int total;
    private int current;
    private String title = "";
    private final List<String> details = new ArrayList<>();
    private volatile boolean silenced;

    Steps(PrintStream out, int total) {
        this.out = out;
        this.total = total;
    }

    /** Runs the next step; on failure the line ends with "failed" and the exception goes on to the caller. */
    String run(String stepTitle, Step step) throws Exception {
        current++;
        title = stepTitle;
        details.clear();
        out.printf(Locale.ROOT, "%3d/%d  %s ", current, total, dotted(stepTitle));
        out.flush();
        final long start = System.nanoTime();
        final String summary;
        try {
            summary = step.run();
        } catch (Exception | Error e) {
            if (!silenced) {
                out.printf(Locale.ROOT, "failed  (%.1f s)%n", seconds(start));
            }
            throw e;
        }
        if (silenced) {
            return summary;
        }
        out.printf(Locale.ROOT, "%s  (%.1f s)%n", summary, seconds(start));
        details.forEach(line -> out.println(DETAIL_INDENT + line));
        return summary;
    }

    /** An indented line to print under the running step's line once it is done. */
    void detail(String line) {
        details.add(line);
    }

    /** No more output: a signal is tearing the demo down, and the step it cut short has nothing to say. */
    void silence() {
        silenced = true;
    }

    /** The number of the step running or last run (0 before the first). */
    int current() {
        return current;
    }

    String title() {
        return title;
    }

    private static String dotted(String text) {
        if (text.length() >= TITLE_WIDTH) {
            return text;
        }
        return text + " " + ".".repeat(TITLE_WIDTH - text.length() - 1);
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
