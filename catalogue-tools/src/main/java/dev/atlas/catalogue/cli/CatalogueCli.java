package dev.atlas.catalogue.cli;

import dev.atlas.catalogue.error.CatalogueException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code atlas-catalogue}: fills and inspects an edge node's catalogue devices. Exit codes:
 * 0 success, 1 operational error (one line on stderr saying what to do), 2 usage error.
 */
@Command(
        name = "atlas-catalogue",
        mixinStandardHelpOptions = true,
        scope = CommandLine.ScopeType.INHERIT,
        version = "atlas-catalogue 0.1",
        description = "Format, fill and check the catalogue on an Atlas edge node's devices.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done",
            "1:failed: one line on stderr says what went wrong and what to do (a damaged"
                    + " catalogue, a full set, a file that no longer matches its SHA-256, a device in use, ...)",
            "2:usage error (unknown command or option, missing argument)"
        },
        subcommands = {
            FormatCommand.class,
            ImportCommand.class,
            LsCommand.class,
            StatCommand.class,
            RmCommand.class,
            GetCommand.class,
            VerifyCommand.class,
            FsckCommand.class,
            DfCommand.class
        })
public final class CatalogueCli implements Runnable {

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "name a command (format, import, ls, stat, rm," + " get, verify, fsck, df)");
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line and returns its exit code (tests call this in-process). */
    public static int run(String... args) {
        final CommandLine cli = new CommandLine(new CatalogueCli());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            final PrintWriter err = commandLine.getErr();
            err.println("atlas-catalogue: " + operatorMessage(e));
            if (System.getenv("ATLAS_DEBUG") != null) {
                e.printStackTrace(err);
            }
            err.flush();
            return FAILED;
        });
        cli.setParameterExceptionHandler((e, args2) -> {
            final PrintWriter err = e.getCommandLine().getErr();
            err.println("atlas-catalogue: " + e.getMessage());
            err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            err.flush();
            return USAGE;
        });
        return cli.execute(args);
    }

    private static String operatorMessage(Throwable e) {
        if (e instanceof CatalogueException) {
            return e.getMessage();
        }
        if (e instanceof UncheckedIOException u) {
            return ioMessage(u.getCause());
        }
        if (e instanceof IOException io) {
            return ioMessage(io);
        }
        return "internal error (" + e + "); rerun with ATLAS_DEBUG=1 for details and report it";
    }

    private static String ioMessage(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException n) {
            return n.getFile() + " does not exist";
        }
        if (e instanceof java.nio.file.AccessDeniedException a) {
            return "no permission to access " + a.getFile();
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
