package dev.atlas.bench.netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./atlas netns up|down}: brings the benchmark namespaces and the delay middlebox up in
 * the background (state under {@code /run/atlas-netns-<name>/}), or removes them.
 */
@Command(
        name = "netns",
        mixinStandardHelpOptions = true,
        description = "The cli/mbox/srv network namespaces and the delay middlebox.",
        subcommands = {NetnsCli.Up.class, NetnsCli.Down.class})
public final class NetnsCli implements Runnable {
    static final String DEFAULT_NAME = "atlas";

    public static void main(String[] args) {
        System.exit(new CommandLine(new NetnsCli()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static Path stateDirectory(String name) {
        return Path.of("/run", "atlas-netns-" + name);
    }

    /** {@code netns up}. */
    @Command(
            name = "up",
            mixinStandardHelpOptions = true,
            description = "Create the namespaces and start the middlebox.")
    static final class Up implements Callable<Integer> {
        @Option(
                names = "--name",
                defaultValue = DEFAULT_NAME,
                description = "Prefix of the namespace names (default: ${DEFAULT-VALUE}).")
        String name;

        @Option(
                names = "--delay-bands",
                split = ",",
                defaultValue = "10,20,30,40",
                description =
                        "One-way client->server delays in ms, one per flow hash band (default: ${DEFAULT-VALUE}).")
        List<Integer> delayBands;

        @Option(
                names = "--loss",
                defaultValue = "0",
                description = "Fraction of client->server IPv4 frames dropped (default: ${DEFAULT-VALUE}).")
        double loss;

        @Option(
                names = "--seed",
                defaultValue = "1",
                description = "Seed of the loss draw (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--direct", description = "Two namespaces joined directly, without the middlebox.")
        boolean direct;

        @Override
        public Integer call() {
            if (loss < 0 || loss > 1) {
                System.err.println("netns up: --loss must be a fraction between 0 and 1, not " + loss);
                return 2;
            }
            Path state = stateDirectory(name);
            if (Files.exists(state)) {
                System.err.println("netns up: '" + name + "' is already up (" + state
                        + "); run './atlas netns down --name " + name + "' first");
                return 1;
            }
            Topology topology;
            try {
                topology = Topology.up(name, direct ? Topology.Mode.DIRECT : Topology.Mode.MIDDLEBOX);
            } catch (RuntimeException e) {
                System.err.println("netns up: " + e.getMessage());
                return 1;
            }
            try {
                Files.createDirectories(state);
                Files.writeString(state.resolve("mode"), topology.mode().name());
                String middlebox = "none (direct)";
                if (!direct) {
                    Path log = state.resolve("middlebox.log");
                    MiddleboxProcess m = MiddleboxProcess.start(topology.mboxNamespace(), delayBands, loss, seed, log);
                    Files.writeString(state.resolve("middlebox.pid"), Long.toString(m.pid()));
                    middlebox = "pid " + m.pid() + ", delay bands "
                            + delayBands.stream().map(String::valueOf).collect(Collectors.joining(",")) + " ms, loss "
                            + String.format(Locale.ROOT, "%.4f", loss) + ", log " + log;
                }
                System.out.println("namespaces: " + String.join(" ", topology.namespaces()));
                System.out.println("client address: " + topology.clientAddress() + "/" + Topology.PREFIX_LENGTH + " on "
                        + topology.clientInterface() + " in " + topology.clientNamespace());
                System.out.println("server address: " + topology.serverCidr() + " (the stack's; no kernel has it) on "
                        + topology.serverInterface() + " in " + topology.serverNamespace());
                if (!direct) {
                    System.out.println(
                            "middlebox interfaces: " + Topology.MBOX_CLIENT_PORT + " (in), " + Topology.MBOX_SERVER_PORT
                                    + " (out), bridge " + Topology.BRIDGE + " in " + topology.mboxNamespace());
                }
                System.out.println("middlebox: " + middlebox);
                System.out.println("serve with: ip netns exec " + topology.serverNamespace()
                        + " ./atlas serve --pattern --interface " + topology.serverInterface() + " --address "
                        + topology.serverCidr());
                System.out.println("remove with: ./atlas netns down --name " + name);
                return 0;
            } catch (IOException | RuntimeException e) {
                System.err.println("netns up: " + e.getMessage() + "; removing what was created");
                topology.close();
                deleteState(state);
                return 1;
            }
        }
    }

    /** {@code netns down}. */
    @Command(
            name = "down",
            mixinStandardHelpOptions = true,
            description = "Stop the middlebox and remove the namespaces.")
    static final class Down implements Callable<Integer> {
        @Option(
                names = "--name",
                defaultValue = DEFAULT_NAME,
                description = "Prefix of the namespace names (default: ${DEFAULT-VALUE}).")
        String name;

        @Override
        public Integer call() {
            Path state = stateDirectory(name);
            String counters = stopMiddlebox(state);
            boolean removed = Topology.removeByName(name);
            deleteState(state);
            if (!counters.isEmpty()) {
                System.out.println(counters);
            }
            System.out.println(
                    removed ? "removed the namespaces of '" + name + "'" : "nothing named '" + name + "' was up");
            return 0;
        }

        private static String stopMiddlebox(Path state) {
            Path pidFile = state.resolve("middlebox.pid");
            if (!Files.exists(pidFile)) {
                return "";
            }
            try {
                long pid = Long.parseLong(Files.readString(pidFile).strip());
                Optional<ProcessHandle> handle = ProcessHandle.of(pid);
                // Only a process that is our middlebox: a stale PID may belong to someone else by now.
                if (handle.isPresent() && commandLine(pid).contains("dev.atlas.bench.middlebox.Middlebox")) {
                    ProcessHandle p = handle.get();
                    p.destroy();
                    try {
                        p.onExit().get(10, TimeUnit.SECONDS);
                    } catch (Exception timeout) {
                        p.destroyForcibly();
                    }
                }
                Path log = state.resolve("middlebox.log");
                if (Files.exists(log)) {
                    return Files.readAllLines(log).stream()
                            .filter(l -> l.startsWith("middlebox counters"))
                            .reduce((a, b) -> b)
                            .orElse("");
                }
            } catch (IOException | NumberFormatException e) {
                System.err.println("netns down: could not read " + pidFile + ": " + e.getMessage());
            }
            return "";
        }

        private static String commandLine(long pid) {
            try {
                return new String(
                        Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }
    }

    static void deleteState(Path state) {
        try (var files = Files.list(state)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(state);
        } catch (IOException ignored) {
            // Nothing to delete.
        }
    }
}
