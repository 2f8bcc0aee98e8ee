package dev.atlas.server;

import dev.atlas.server.http.PatternResponder;
import dev.atlas.server.lane.CounterDump;
import dev.atlas.server.lane.Lane;
import dev.atlas.server.lane.LaneIdle;
import dev.atlas.server.lane.Lanes;
import dev.atlas.server.proto.ArpTable;
import dev.atlas.server.proto.FrameInput;
import dev.atlas.server.proto.InterfaceAddress;
import dev.atlas.server.proto.Ipv4Address;
import dev.atlas.server.proto.MacAddress;
import dev.atlas.server.ring.PacketRing;
import dev.atlas.server.ring.afpacket.AfPacketRing;
import dev.atlas.server.tcp.TcpConfig;
import dev.atlas.server.tcp.TcpStack;
import org.agrona.concurrent.SystemEpochClock;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./atlas serve}: runs the appliance's lanes on one network interface, owning an IPv4
 * address the kernel does not have. In this build only the pattern responder ({@code --pattern},
 * {@code GET /pattern/<bytes>}) serves; the catalogue joins with the data-path issue.
 * SIGTERM or Ctrl-C stops the lanes, prints the counters and exits 0.
 */
@Command(name = "atlas serve", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Serve HTTP from the userspace TCP/IP stack on an AF_PACKET interface.")
public final class ServeCommand implements Callable<Integer> {
    private static final int EXIT_USAGE = 2;
    private static final long SHUTDOWN_REPORT_SECONDS = 20;
    private static final int EXIT_ENVIRONMENT = 1;
    private static final Path SYS_CLASS_NET = Path.of("/sys/class/net");

    @Option(names = "--pattern", description = "Serve GET /pattern/<bytes> (byte i is i mod 251) and nothing else.")
    boolean pattern;

    @Option(names = "--interface", required = true, paramLabel = "IF", description = "Network interface to attach to.")
    String interfaceName;

    @Option(names = "--address", required = true, paramLabel = "ADDR/PREFIX",
        description = "IPv4 address the stack owns (the kernel must not have it), e.g. 198.18.0.2/24.")
    String address;

    @Option(names = "--mac", paramLabel = "MAC", description = "Our MAC address (default: the interface's).")
    String mac;

    @Option(names = "--lanes", defaultValue = "1", description = "Lanes (threads, fanout members); default ${DEFAULT-VALUE}.")
    int lanes;

    @Option(names = "--port", defaultValue = "80", description = "HTTP port; default ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--congestion", defaultValue = "cubic", paramLabel = "newreno|cubic",
        description = "Congestion control; default ${DEFAULT-VALUE}.")
    String congestion;

    @Option(names = "--idle", defaultValue = "backoff", paramLabel = "spin|backoff",
        description = "How an idle lane waits; default ${DEFAULT-VALUE}.")
    String idle;

    @Option(names = "--pin", description = "Pin lane N to CPU N (sched_setaffinity).")
    boolean pin;

    @Option(names = "--idle-timeout-ms", defaultValue = "60000",
        description = "Reset a connection that hears nothing from its peer for this long; default ${DEFAULT-VALUE}.")
    long idleTimeoutMs;

    @Option(names = "--max-connections", defaultValue = "4096", description = "Connections per lane; default ${DEFAULT-VALUE}.")
    int maxConnections;

    @Option(names = "--mss", defaultValue = "1460",
        description = "MSS we announce and the most we send per segment; default ${DEFAULT-VALUE}.")
    int mss;

    @Option(names = "--stats-file", paramLabel = "PATH",
        description = "Rewrite PATH with key=value counters (summed over lanes) every --stats-interval-ms.")
    Path statsFile;

    @Option(names = "--stats-interval-ms", defaultValue = "1000", description = "Default ${DEFAULT-VALUE}.")
    long statsIntervalMs;

    @Option(names = "--stats-stdout", description = "Also print a one-line counter summary on stdout every interval.")
    boolean statsStdout;

    private final PrintStream out;
    private final PrintStream err;

    ServeCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        final CommandLine cli = new CommandLine(new ServeCommand(System.out, System.err));
        cli.setParameterExceptionHandler((e, a) -> {
            System.err.println("atlas serve: " + e.getMessage());
            System.err.println("Try './atlas serve --help'.");
            return EXIT_USAGE;
        });
        System.exit(cli.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        final Settings settings;
        try {
            settings = settle();
        } catch (ConfigurationError e) {
            err.println("atlas serve: " + e.getMessage());
            return e.exitCode;
        }

        final List<Lane> laneList = new ArrayList<>(lanes);
        final List<TcpStack> stacks = new ArrayList<>(lanes);
        final List<FrameInput> inputs = new ArrayList<>(lanes);
        final int fanoutGroup = (int) (ProcessHandle.current().pid() & 0xFFFF);
        try {
            for (int i = 0; i < lanes; i++) {
                final PacketRing ring = openRing(settings, fanoutGroup);
                final ArpTable arp = new ArpTable();
                final PatternResponder responder = new PatternResponder(settings.tcpConfig.maxConnections(), SystemEpochClock.INSTANCE);
                final TcpStack stack = new TcpStack(settings.address, arp, ring, settings.tcpConfig, responder);
                stack.listen(port);
                final FrameInput input = new FrameInput(settings.address, arp, ring, stack);
                stacks.add(stack);
                inputs.add(input);
                laneList.add(new Lane(i, ring, input::onFrame, stack::poll));
            }
        } catch (RuntimeException e) {
            for (Lane lane : laneList) {
                lane.ring().close();
            }
            err.println("atlas serve: cannot attach to interface " + interfaceName + ": " + e.getMessage());
            return EXIT_ENVIRONMENT;
        }

        // SIGTERM/SIGINT run shutdown hooks; ours lets this thread stop the lanes and report,
        // then halts with 0 because a signal-initiated JVM exit would otherwise report 143/130.
        final CountDownLatch stop = new CountDownLatch(1);
        final CountDownLatch reported = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                reported.await(SHUTDOWN_REPORT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                // halt anyway
            }
            Runtime.getRuntime().halt(0);
        }, "atlas-shutdown"));

        final Lanes running = Lanes.start(laneList, settings.idle, pin);
        out.printf("atlas serve: pattern responder on %s, %s port %d, %d lane(s), %s congestion control%n",
            interfaceName, address, port, lanes, congestion);
        out.flush();
        final StatsReporter stats = new StatsReporter(running, stacks, inputs);
        while (!stop.await(statsIntervalMs, TimeUnit.MILLISECONDS)) {
            stats.report();
        }
        running.close();
        stats.report();
        out.println("atlas serve: stopped; counters:");
        for (Map.Entry<String, Long> e : stats.snapshot().entrySet()) {
            out.println("  " + e.getKey() + "=" + e.getValue());
        }
        out.flush();
        reported.countDown();
        Thread.sleep(Long.MAX_VALUE); // the shutdown hook halts the JVM
        return 0;
    }

    private PacketRing openRing(Settings settings, int fanoutGroup) {
        return AfPacketRing.open(interfaceName, lanes > 1 ? fanoutGroup : AfPacketRing.NO_FANOUT);
    }

    /** Checks the options and the machine; every failure is one sentence an operator can act on. */
    private Settings settle() throws ConfigurationError {
        if (!pattern) {
            throw new ConfigurationError(EXIT_USAGE, "only the pattern responder exists in this build: add --pattern");
        }
        if (lanes < 1 || lanes > 64) {
            throw new ConfigurationError(EXIT_USAGE, "--lanes must be between 1 and 64, not " + lanes);
        }
        if (port < 1 || port > 65535) {
            throw new ConfigurationError(EXIT_USAGE, "--port must be between 1 and 65535, not " + port);
        }
        if (mss < 536 || mss > 9000) {
            throw new ConfigurationError(EXIT_USAGE, "--mss must be between 536 and 9000, not " + mss);
        }
        if (statsIntervalMs < 10) {
            throw new ConfigurationError(EXIT_USAGE, "--stats-interval-ms must be at least 10");
        }
        final TcpConfig.CongestionControlKind kind = switch (congestion.toLowerCase(java.util.Locale.ROOT)) {
            case "newreno", "reno" -> TcpConfig.CongestionControlKind.NEW_RENO;
            case "cubic" -> TcpConfig.CongestionControlKind.CUBIC;
            default -> throw new ConfigurationError(EXIT_USAGE, "--congestion must be newreno or cubic, not '" + congestion + "'");
        };
        final LaneIdle idleStrategy;
        try {
            idleStrategy = LaneIdle.parse(idle);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationError(EXIT_USAGE, "--idle: " + e.getMessage());
        }
        final int slash = address.indexOf('/');
        if (slash < 0) {
            throw new ConfigurationError(EXIT_USAGE, "--address needs a prefix length, e.g. 198.18.0.2/24, not '" + address + "'");
        }
        final int ip;
        final int prefix;
        try {
            ip = Ipv4Address.parse(address.substring(0, slash));
            prefix = Integer.parseInt(address.substring(slash + 1));
        } catch (RuntimeException e) {
            throw new ConfigurationError(EXIT_USAGE, "--address '" + address + "' is not an IPv4 address with a prefix length");
        }
        if (prefix < 1 || prefix > 32) {
            throw new ConfigurationError(EXIT_USAGE, "--address prefix length must be 1..32, not " + prefix);
        }
        final Path sys = SYS_CLASS_NET.resolve(interfaceName);
        if (interfaceName.isEmpty() || interfaceName.contains("/") || !Files.isDirectory(sys)) {
            throw new ConfigurationError(EXIT_ENVIRONMENT, "no network interface named '" + interfaceName
                + "' in this network namespace (see 'ip link'; in a namespace run through 'ip netns exec')");
        }
        if (!isRoot()) {
            throw new ConfigurationError(EXIT_ENVIRONMENT, "AF_PACKET rings need root (CAP_NET_RAW): run as root");
        }
        final long macValue;
        try {
            final String macText = mac != null ? mac : Files.readString(sys.resolve("address"), StandardCharsets.US_ASCII).trim();
            macValue = MacAddress.parse(macText);
        } catch (IOException e) {
            throw new ConfigurationError(EXIT_ENVIRONMENT, "cannot read the MAC address of " + interfaceName + ": give it with --mac");
        } catch (RuntimeException e) {
            throw new ConfigurationError(EXIT_USAGE, "--mac '" + mac + "' is not a MAC address like 02:00:00:00:00:01");
        }
        final TcpConfig config = TcpConfig.defaults()
            .congestionControl(kind)
            .maxConnections(maxConnections)
            .mss(mss)
            .idleTimeoutNanos(TimeUnit.MILLISECONDS.toNanos(idleTimeoutMs));
        return new Settings(new InterfaceAddress(macValue, ip, prefix), config, idleStrategy);
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0"); // effective uid
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    private record Settings(InterfaceAddress address, TcpConfig tcpConfig, LaneIdle idle) {
    }

    /** An expected start-up failure: printed as one sentence, no stack trace. */
    private static final class ConfigurationError extends Exception {
        private static final long serialVersionUID = 1L;
        final int exitCode;

        ConfigurationError(int exitCode, String message) {
            super(message, null, false, false);
            this.exitCode = exitCode;
        }
    }

    /** Sums the counters of all lanes into the stats file and, when asked, a stdout line. */
    private final class StatsReporter {
        private final Lanes lanes;
        private final List<TcpStack> stacks;
        private final List<FrameInput> inputs;

        StatsReporter(Lanes lanes, List<TcpStack> stacks, List<FrameInput> inputs) {
            this.lanes = lanes;
            this.stacks = stacks;
            this.inputs = inputs;
        }

        Map<String, Long> snapshot() {
            final Map<String, Long> values = new TreeMap<>();
            for (int i = 0; i < lanes.lanes().size(); i++) {
                final Lane lane = lanes.lanes().get(i);
                CounterDump.addTo(values, "lane", lane.counters());
                values.merge("lane.allocatedBytes", Math.max(0, lanes.allocatedBytes(i)), Long::sum);
                CounterDump.addTo(values, "frame", inputs.get(i).counters());
                CounterDump.addTo(values, "tcp", stacks.get(i).counters());
                if (lane.ring() instanceof AfPacketRing ring) {
                    values.merge("ring.rxFrames", ring.rxFrames(), Long::sum);
                    values.merge("ring.rxTruncated", ring.rxTruncated(), Long::sum);
                    values.merge("ring.txFrames", ring.txFrames(), Long::sum);
                    values.merge("ring.txBytes", ring.txBytes(), Long::sum);
                    values.merge("ring.txKickErrors", ring.txKickErrors(), Long::sum);
                    values.merge("ring.txWrongFormat", ring.txWrongFormat(), Long::sum);
                    values.merge("ring.kernelRxDrops", ring.kernelRxDrops(), Long::sum);
                }
            }
            return values;
        }

        void report() throws IOException {
            final Map<String, Long> values = snapshot();
            if (statsFile != null) {
                final StringBuilder text = new StringBuilder(4096);
                values.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
                final Path tmp = statsFile.resolveSibling(statsFile.getFileName() + ".tmp");
                Files.writeString(tmp, text, StandardCharsets.UTF_8);
                Files.move(tmp, statsFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            if (statsStdout) {
                out.printf("stats: conns=%d framesOut=%d payloadOut=%d retransFast=%d retransRto=%d rtoEvents=%d rx=%d%n",
                    values.getOrDefault("tcp.connectionsOpen", 0L), values.getOrDefault("tcp.framesOut", 0L),
                    values.getOrDefault("tcp.payloadBytesOut", 0L), values.getOrDefault("tcp.fastRetransmits", 0L),
                    values.getOrDefault("tcp.rtoRetransmits", 0L), values.getOrDefault("tcp.rtoEvents", 0L),
                    values.getOrDefault("lane.rxFrames", 0L));
                out.flush();
            }
        }
    }
}
