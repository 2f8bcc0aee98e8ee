package dev.atlas.bench.demo;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./atlas demo [--check]}: makes a short HLS ladder with ffmpeg, imports it into a
 * catalogue image, serves it with Atlas in a network namespace, plays it with ffmpeg from
 * another namespace and checks the bytes, the stream and the metrics. Then it prints commands to
 * try and waits for Ctrl-C, which stops the server and removes the namespaces and the work
 * directory; with {@code --check} it tears down at once and its exit code says whether it all worked.
 *
 * <p>Exit codes: 0 all steps passed (and, with --check, the server stopped cleanly), 1 a step
 * failed or the machine lacks what the demo needs, 2 a wrong option.
 */
@Command(
        name = "atlas demo",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Make a short HLS ladder with ffmpeg, import it into a catalogue image, serve it with Atlas in a network namespace, "
                    + "play it with ffmpeg from another namespace and check bytes, stream and metrics.",
            "Then print commands to try and wait for Ctrl-C, which stops the server and removes the namespaces and the work directory."
        })
public final class DemoCommand implements Callable<Integer> {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    private static final int MIN_SECONDS = 2;
    private static final int MAX_SECONDS = 60;

    @Option(
            names = "--check",
            description = "Do not wait: tear down after the checks; exit 0 only if playback and every check passed.")
    boolean check;

    @Option(
            names = "--work",
            paramLabel = "DIR",
            description =
                    "Work directory (absent or empty; removed at the end unless --keep); default: a new one under /tmp.")
    Path work;

    @Option(
            names = "--tls",
            description = "Serve and play over HTTPS: the demo makes its own CA and server certificate.")
    boolean tls;

    @Option(
            names = "--keep",
            description = "Keep the work directory (ladder, catalogue image, server and access logs).")
    boolean keep;

    @Option(
            names = "--seconds",
            defaultValue = "8",
            paramLabel = "N",
            description = "Length of the ladder in seconds (2 s segments); default ${DEFAULT-VALUE}.")
    int seconds;

    private final PrintStream out;

    DemoCommand(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /** Parses and runs one demo, printing on {@code out}; returns the exit code (tests call this in-process). */
    public static int run(String[] args, PrintStream out) {
        final CommandLine cli = new CommandLine(new DemoCommand(out));
        cli.setParameterExceptionHandler((e, a) -> {
            cli.getErr().println("atlas demo: " + e.getMessage());
            cli.getErr().println("Try './atlas demo --help'.");
            return EXIT_USAGE;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() {
        if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
            out.println("atlas demo: --seconds must be between " + MIN_SECONDS + " and " + MAX_SECONDS + ", not "
                    + seconds);
            return EXIT_USAGE;
        }
        final String missing = Demo.missingPrerequisites();
        if (missing != null) {
            out.println(missing);
            return EXIT_FAILED;
        }
        final Demo demo = new Demo(out, work, keep, seconds, tls);
        // Ctrl-C (or SIGTERM) at any point: stop what was started and remove what was made.
        final Thread hook = new Thread(demo::interrupted, "atlas-demo-teardown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            demo.prepare();
            demo.run();
            if (!check) {
                demo.printTryIt();
                new CountDownLatch(1).await();
            }
            demo.teardown();
            if (demo.serverExit() != 0) {
                out.println("atlas demo: the server exited with " + demo.serverExit() + " on SIGTERM instead of 0:");
                demo.serverLogTail().lines().forEach(line -> out.println("    " + line));
                return EXIT_FAILED;
            }
            out.println("atlas demo: playback and every check passed");
            return EXIT_OK;
        } catch (Exception | Error e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            demo.reportFailure(e);
            demo.teardown();
            return EXIT_FAILED;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or has run: it did the teardown.
            }
        }
    }
}
