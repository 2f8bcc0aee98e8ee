package dev.atlas.bench;

import dev.atlas.bench.catalogue.ImportBench;
import dev.atlas.bench.diskmap.DiskmapBench;
import dev.atlas.bench.sealing.SealingBench;
import dev.atlas.bench.serve.ServeBench;
import dev.atlas.bench.tcp.TcpBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./atlas bench NAME …}: one subcommand per benchmark; each measures a baseline in the same run. */
@Command(
        name = "atlas bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks that report a ratio against a baseline measured in the same run.",
        subcommands = {
            DiskmapBench.class,
            ImportBench.class,
            SealingBench.class,
            ServeBench.class,
            TcpBench.class,
        })
public final class BenchCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchCli()).execute(args));
    }
}
