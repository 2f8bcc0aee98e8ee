package dev.atlas.server;

import dev.atlas.diskmap.NvmeDevice;
import dev.atlas.diskmap.Transport;
import dev.atlas.diskmap.emulated.EmulatedFaults;
import dev.atlas.server.http.HttpLimits;
import dev.atlas.server.lane.LaneIdle;
import dev.atlas.server.mgmt.LastLevelCache;
import dev.atlas.server.mgmt.ManagementServer;
import dev.atlas.server.proto.InterfaceAddress;
import dev.atlas.server.proto.Ipv4Address;
import dev.atlas.server.proto.MacAddress;
import dev.atlas.server.storage.ChunkBudget;
import dev.atlas.server.storage.ChunkLayout;
import dev.atlas.server.tcp.TcpConfig;
import dev.atlas.server.tls.CertificateFailure;
import dev.atlas.server.tls.TlsCertificates;
import dev.atlas.server.tls.TlsSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * {@code ./atlas serve}: the appliance. Serves the catalogue on {@code --device} images or drives
 * over HTTP from the userspace TCP/IP stack on one network interface, owning an IPv4 address the
 * kernel does not have, with a management server for /metrics, /healthz, /readyz and the admin
 * actions (drain, reload, catalogue import and rm). Every option can also come from
 * {@code --config FILE} (a properties file whose keys are the long option names without the
 * dashes); the command line wins.
 *
 * <p>Exit codes: 0 after SIGTERM/Ctrl-C or a finished drain, 2 for a wrong setting, 1 when
 * the machine is not as needed (interface, privilege, drives, a busy catalogue).
 */
@Command(
        name = "atlas serve",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        version = "atlas serve 0.1",
        description = "Serve the catalogue over HTTP from the userspace TCP/IP stack on an AF_PACKET interface.")
public final class ServeCommand implements Callable<Integer> {
    private static final long SHUTDOWN_SECONDS = 20;
    private static final Path SYS_CLASS_NET = Path.of("/sys/class/net");
    private static final int MIN_MSS = 536;
    private static final int MAX_MSS = 9000;
    private static final int MAX_LANES = 64;
    /** The capability number of CAP_NET_RAW (linux/capability.h). */
    private static final int CAP_NET_RAW = 13;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Read settings from FILE (key = value, keys are the long option names without dashes; "
                    + "several devices separated by commas). Options on the command line win.")
    Path config;

    @Option(
            names = {"-d", "--device"},
            paramLabel = "PATH",
            split = "\\s*,\\s*",
            splitSynopsisLabel = ",",
            description =
                    "A device (image file or drive) of the catalogue to serve; repeat for each device of the set.")
    List<Path> devices = new ArrayList<>();

    @Option(names = "--interface", paramLabel = "IF", description = "Network interface to attach to (required).")
    String interfaceName;

    @Option(
            names = "--address",
            paramLabel = "ADDR/PREFIX",
            description = "IPv4 address the stack owns (the kernel must not have it), e.g. 198.18.0.2/24 (required).")
    String address;

    @Option(names = "--mac", paramLabel = "MAC", description = "Our MAC address (default: the interface's).")
    String mac;

    @Option(names = "--port", defaultValue = "80", description = "HTTP port; default ${DEFAULT-VALUE}.")
    int port;

    @Option(
            names = "--lanes",
            defaultValue = "1",
            description = "Lanes (threads, fanout members); default ${DEFAULT-VALUE}.")
    int lanes;

    @Option(
            names = "--transport",
            defaultValue = "file",
            paramLabel = "file|passthru|diskmap|emulated",
            description =
                    "How lanes reach the drives: io_uring on a file or block device (file), NVMe passthrough on "
                            + "/dev/ngXnY (passthru), a queue pair lent by diskmap.ko on /dev/diskmapN (diskmap), or the emulated controller (tests); default ${DEFAULT-VALUE}.")
    String transport;

    @Option(
            names = "--emulated-faults",
            paramLabel = "SPEC",
            defaultValue = "none",
            description = "Fault plan of the emulated transport, e.g. seed=7,out-of-order,media-error=4096+64; "
                    + "default ${DEFAULT-VALUE}.")
    String emulatedFaults;

    @Option(
            names = "--queue-depth",
            defaultValue = "64",
            description = "Entries of each lane's queue to each drive; default ${DEFAULT-VALUE}.")
    int queueDepth;

    @Option(
            names = "--buffers",
            defaultValue = "auto",
            paramLabel = "N|auto",
            description =
                    "Chunk buffers per lane (each holds one drive read of up to " + ChunkLayout.MAX_RECORDS_PER_READ
                            + " records); auto gives each lane its slice of"
                            + " the last-level cache (" + LaneSizing.MIN_BUFFERS + "…" + LaneSizing.MAX_BUFFERS + ", "
                            + LaneSizing.FALLBACK_BUFFERS
                            + " when the cache size is unknown); default ${DEFAULT-VALUE}.")
    String buffersOption;

    int buffers;

    @Option(
            names = "--chunks-per-connection",
            defaultValue = "16",
            description = "Chunks one connection may have staged or being read; default ${DEFAULT-VALUE}.")
    int chunksPerConnection;

    @Option(
            names = "--records-per-read",
            defaultValue = "" + ChunkLayout.MAX_RECORDS_PER_READ,
            paramLabel = "1.." + ChunkLayout.MAX_RECORDS_PER_READ,
            description = "Most 16 KiB records one drive command reads for a connection whose window reaches that far"
                    + " (larger reads get more from the drive); default ${DEFAULT-VALUE}.")
    int recordsPerRead;

    @Option(
            names = "--management",
            defaultValue = "127.0.0.1:9100",
            paramLabel = "HOST:PORT|none",
            description = "Management server (metrics, health, admin) on the kernel's stack; default ${DEFAULT-VALUE}.")
    String management;

    @Option(
            names = "--access-log",
            paramLabel = "FILE",
            description = "Append one line per response to FILE (off by default).")
    Path accessLog;

    @Option(
            names = "--max-request-head",
            defaultValue = "8192",
            paramLabel = "BYTES",
            description =
                    "Largest request line plus header fields; longer ones get 414 or 431. Default ${DEFAULT-VALUE}.")
    int maxRequestHead;

    @Option(
            names = "--max-header-fields",
            defaultValue = "64",
            description = "Most header fields in a request; more get 431. Default ${DEFAULT-VALUE}.")
    int maxHeaderFields;

    @Option(
            names = "--drain-timeout-s",
            defaultValue = "30",
            description =
                    "After POST /admin/drain, stop at the latest after this many seconds; default ${DEFAULT-VALUE}.")
    long drainTimeoutSeconds;

    @Option(
            names = "--pattern",
            description = "Serve GET /pattern/<bytes> (byte i is i mod 251) instead of a catalogue.")
    boolean pattern;

    @Option(
            names = "--congestion",
            defaultValue = "cubic",
            paramLabel = "newreno|cubic",
            description = "Congestion control; default ${DEFAULT-VALUE}.")
    String congestion;

    @Option(
            names = "--idle",
            defaultValue = "park",
            paramLabel = "spin|backoff|park",
            description = "How an idle lane waits; default ${DEFAULT-VALUE}.")
    String idle;

    @Option(names = "--pin", description = "Pin lane N to CPU N (sched_setaffinity).")
    boolean pin;

    @Option(
            names = "--idle-timeout-ms",
            defaultValue = "60000",
            description =
                    "Reset a connection that hears nothing from its peer for this long; default ${DEFAULT-VALUE}.")
    long idleTimeoutMs;

    @Option(
            names = "--max-connections",
            defaultValue = "4096",
            description = "Connections per lane; default ${DEFAULT-VALUE}.")
    int maxConnections;

    @Option(
            names = "--max-connections-per-address",
            defaultValue = "0",
            paramLabel = "N",
            description =
                    "Connections one client address may hold per lane (0: no limit; clients behind a NAT share one); default ${DEFAULT-VALUE}.")
    int maxConnectionsPerAddress;

    @Option(
            names = "--request-head-timeout-ms",
            defaultValue = "10000",
            description =
                    "A request head must be complete this long after its first byte (a new connection's first request this long"
                            + " after the handshake), else 408 and close; default ${DEFAULT-VALUE}.")
    long requestHeadTimeoutMs;

    @Option(
            names = "--keepalive-timeout-ms",
            defaultValue = "60000",
            description =
                    "A keep-alive connection waiting for its next request closes after this long; default ${DEFAULT-VALUE}.")
    long keepAliveTimeoutMs;

    @Option(
            names = "--mss",
            defaultValue = "1460",
            description = "MSS we announce and the most we send per segment; default ${DEFAULT-VALUE}.")
    int mss;

    @Option(
            names = "--stats-file",
            paramLabel = "PATH",
            description = "Rewrite PATH with key=value counters (summed over lanes) every --stats-interval-ms.")
    Path statsFile;

    @Option(names = "--stats-interval-ms", defaultValue = "1000", description = "Default ${DEFAULT-VALUE}.")
    long statsIntervalMs;

    @Option(names = "--stats-stdout", description = "Also print a one-line counter summary on stdout every interval.")
    boolean statsStdout;

    @Option(
            names = "--tls-cert",
            paramLabel = "PEM",
            description =
                    "Serve HTTPS with this certificate chain (PEM, the server's own first); repeat with --tls-key for "
                            + "more names (SNI). The first is the default.")
    List<Path> tlsCertificates = new ArrayList<>();

    @Option(
            names = "--tls-key",
            paramLabel = "PEM",
            description = "The private key of the --tls-cert at the same position.")
    List<Path> tlsKeys = new ArrayList<>();

    @Option(
            names = "--tls-port",
            defaultValue = "443",
            description = "HTTPS port (with --tls-cert); default ${DEFAULT-VALUE}.")
    int tlsPort;

    @Option(
            names = "--tls-unknown-name",
            defaultValue = "default",
            paramLabel = "default|refuse",
            description =
                    "A client naming a host no certificate has gets the default certificate, or alert unrecognized_name; "
                            + "default ${DEFAULT-VALUE}.")
    String tlsUnknownName;

    @Option(
            names = "--sealer",
            defaultValue = "auto",
            paramLabel = "auto|sunjce",
            description = "TLS record sealing engine; default ${DEFAULT-VALUE}.")
    String sealer;

    /** Set by {@link #main} just before {@code System.exit}: the exit is ours, not a signal's. */
    private static volatile boolean exiting;

    private final PrintStream out;
    private final PrintStream err;
    private final CountDownLatch finished = new CountDownLatch(1);

    ServeCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        final int code = run(args, System.out, System.err);
        exiting = true; // the shutdown hook must not turn this exit into a 0
        System.exit(code);
    }

    /** Parses, runs and returns the exit code (the configuration file is read before the options). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        final ServeCommand command = new ServeCommand(out, err);
        final CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        final Path file;
        final Properties settings;
        try {
            file = configFileIn(args);
            settings = file == null ? null : readConfig(file, cli);
        } catch (ConfigurationError e) {
            err.println("atlas serve: " + e.getMessage());
            return e.exitCode;
        }
        if (settings != null) {
            cli.setDefaultValueProvider(new CommandLine.PropertiesDefaultProvider(settings));
        }
        cli.setParameterExceptionHandler((e, a) -> {
            err.println("atlas serve: " + e.getMessage() + fromConfig(e.getArgSpec(), args, file, settings));
            err.println("Try './atlas serve --help'.");
            return AtlasServer.EXIT_USAGE;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        final ServerConfig settings;
        try {
            settings = settle();
        } catch (ConfigurationError e) {
            err.println("atlas serve: " + e.getMessage());
            return e.exitCode;
        }
        if (!pattern) {
            for (String warning :
                    LaneSizing.warnings(buffers, chunksPerConnection, lanes, LastLevelCache.sizeBytes())) {
                err.println("atlas serve: warning: " + warning);
            }
            out.printf(
                    "atlas serve: %d chunk buffers per lane (%s), %d per connection at most, reads of up to %d KiB%n",
                    buffers,
                    "auto".equals(buffersOption) ? "from the machine" : "as set",
                    chunksPerConnection,
                    recordsPerRead * ChunkLayout.RECORD_BYTES / 1024);
        }
        final AtlasServer server;
        try {
            server = AtlasServer.start(settings, out);
        } catch (AtlasServer.StartFailure e) {
            err.println("atlas serve: " + e.getMessage());
            return e.exitCode();
        }
        // SIGTERM/SIGINT run shutdown hooks: ours lets the main thread stop the lanes and report,
        // then halts with 0, because a signal-initiated exit would otherwise report 143/130.
        // When main itself exits (a drain, or a failure with its own code) the hook stands aside.
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            if (exiting) {
                                return;
                            }
                            server.requestStop("signal");
                            try {
                                finished.await(SHUTDOWN_SECONDS, TimeUnit.SECONDS);
                            } catch (InterruptedException ignored) {
                                // halt anyway
                            }
                            Runtime.getRuntime().halt(0);
                        },
                        "atlas-shutdown"));
        out.printf(
                "atlas serve: %s on %s, %s port %s, %d lane(s), %s congestion control%s%n",
                pattern ? "pattern responder" : "catalogue " + settings.devices() + " (" + transport + ")",
                interfaceName,
                address,
                port
                        + (settings.tls() == null
                                ? ""
                                : ", HTTPS port " + settings.tls().port() + " (sealer "
                                        + settings.tls().sealerReport() + ")"),
                lanes,
                congestion,
                server.managementAddress() == null ? "" : "; management on " + hostPort(server.managementAddress()));
        out.flush();
        String why = "failed";
        try {
            why = server.awaitStop();
        } finally {
            server.close();
            // Before the count-down: after it, a signal's shutdown hook halts the JVM at once.
            out.println("atlas serve: stopped (" + why + ")");
            out.flush();
            finished.countDown();
        }
        return 0;
    }

    /**
     * Where a bad value came from when the command line did not give it: " (port = http in the
     * configuration file FILE)", so the operator looks in the right place; empty otherwise.
     */
    private static String fromConfig(ArgSpec spec, String[] args, Path file, Properties settings) {
        if (!(spec instanceof OptionSpec option) || settings == null) {
            return "";
        }
        final String key = configKey(option);
        if (!settings.containsKey(key)) {
            return "";
        }
        for (String arg : args) {
            for (String name : option.names()) {
                if (arg.equals(name) || arg.startsWith(name + "=")) {
                    return "";
                }
            }
        }
        return " (" + key + " = " + settings.getProperty(key) + " in the configuration file " + file + ")";
    }

    private static String configKey(OptionSpec option) {
        return option.longestName().replaceFirst("^-+", "");
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    /** Checks the options and the machine; every failure is one sentence an operator can act on. */
    private ServerConfig settle() throws ConfigurationError {
        if (interfaceName == null || address == null) {
            throw new ConfigurationError(
                    AtlasServer.EXIT_USAGE,
                    "--interface and --address are required "
                            + "(on the command line or as interface= and address= in the --config file)");
        }
        if (pattern == !devices.isEmpty()) {
            throw new ConfigurationError(
                    AtlasServer.EXIT_USAGE,
                    pattern
                            ? "--pattern serves no catalogue: drop the --device options"
                            : "name the catalogue to serve with --device PATH (once per device of the set), or use --pattern");
        }
        check(lanes >= 1 && lanes <= MAX_LANES, "--lanes must be between 1 and " + MAX_LANES + ", not " + lanes);
        check(port >= 1 && port <= 65535, "--port must be between 1 and 65535, not " + port);
        check(
                mss >= MIN_MSS && mss <= MAX_MSS,
                "--mss must be between " + MIN_MSS + " and " + MAX_MSS + ", not " + mss);
        check(statsIntervalMs >= 10, "--stats-interval-ms must be at least 10");
        check(queueDepth >= 2 && queueDepth <= 4096, "--queue-depth must be between 2 and 4096, not " + queueDepth);
        if ("auto".equals(buffersOption)) {
            buffers = LaneSizing.defaultBuffers(LastLevelCache.sizeBytes(), lanes, physicalMemoryBytes());
        } else {
            try {
                buffers = Integer.parseInt(buffersOption.trim());
            } catch (NumberFormatException e) {
                throw new ConfigurationError(
                        AtlasServer.EXIT_USAGE, "--buffers takes a number or auto, not " + buffersOption);
            }
            check(buffers >= 1, "--buffers must be at least 1");
        }
        check(chunksPerConnection >= 1, "--chunks-per-connection must be at least 1");
        check(
                recordsPerRead >= 1 && recordsPerRead <= ChunkLayout.MAX_RECORDS_PER_READ,
                "--records-per-read must be between 1 and " + ChunkLayout.MAX_RECORDS_PER_READ);
        check(drainTimeoutSeconds >= 1, "--drain-timeout-s must be at least 1");
        check(maxConnections >= 1, "--max-connections must be at least 1");
        check(idleTimeoutMs >= 1, "--idle-timeout-ms must be at least 1");
        check(
                Transport.labels().contains(transport),
                "--transport must be " + Transport.choices() + ", not '" + transport + "'");
        final EmulatedFaults faults;
        try {
            faults = EmulatedFaults.parse(emulatedFaults);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationError(AtlasServer.EXIT_USAGE, "--emulated-faults: " + e.getMessage());
        }
        final TcpConfig.CongestionControlKind kind = switch (congestion.toLowerCase(Locale.ROOT)) {
            case "newreno", "reno" -> TcpConfig.CongestionControlKind.NEW_RENO;
            case "cubic" -> TcpConfig.CongestionControlKind.CUBIC;
            default ->
                throw new ConfigurationError(
                        AtlasServer.EXIT_USAGE, "--congestion must be newreno or cubic, not '" + congestion + "'");
        };
        final LaneIdle idleStrategy;
        try {
            idleStrategy = LaneIdle.parse(idle);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationError(AtlasServer.EXIT_USAGE, "--idle: " + e.getMessage());
        }
        final InetSocketAddress managementAddress;
        try {
            managementAddress = "none".equals(management) ? null : ManagementServer.parseAddress(management);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationError(AtlasServer.EXIT_USAGE, "--management: " + e.getMessage());
        }
        for (Path device : devices) {
            if (!Files.exists(device)) {
                throw new ConfigurationError(
                        AtlasServer.EXIT_ENVIRONMENT,
                        "device " + device + " does not exist; "
                                + "format one with './atlas catalogue format', or fix the --device path");
            }
        }
        if (accessLog != null && accessLog.getParent() != null && !Files.isDirectory(accessLog.getParent())) {
            throw new ConfigurationError(
                    AtlasServer.EXIT_ENVIRONMENT,
                    "the access log's directory " + accessLog.getParent() + " does not exist");
        }
        if (statsFile != null && statsFile.getParent() != null && !Files.isDirectory(statsFile.getParent())) {
            throw new ConfigurationError(
                    AtlasServer.EXIT_ENVIRONMENT,
                    "the stats file's directory " + statsFile.getParent() + " does not exist");
        }
        check(
                maxRequestHead >= 256 && maxRequestHead <= 65536,
                "--max-request-head must be between 256 and 65536 bytes, not " + maxRequestHead);
        check(
                maxHeaderFields >= 8 && maxHeaderFields <= 1024,
                "--max-header-fields must be between 8 and 1024, not " + maxHeaderFields);
        check(requestHeadTimeoutMs >= 1, "--request-head-timeout-ms must be at least 1");
        check(keepAliveTimeoutMs >= 1, "--keepalive-timeout-ms must be at least 1");
        check(maxConnectionsPerAddress >= 0, "--max-connections-per-address must be 0 (no limit) or more");
        final HttpLimits limits = new HttpLimits(
                maxRequestHead,
                maxHeaderFields,
                HttpLimits.DEFAULT.skippedBodyBytes(),
                TimeUnit.MILLISECONDS.toNanos(requestHeadTimeoutMs),
                TimeUnit.MILLISECONDS.toNanos(keepAliveTimeoutMs));
        final InterfaceAddress interfaceAddress = interfaceAddress();
        final TcpConfig tcp = TcpConfig.defaults()
                .congestionControl(kind)
                .maxConnections(maxConnections)
                .maxConnectionsPerAddress(maxConnectionsPerAddress)
                .mss(mss)
                .idleTimeoutNanos(TimeUnit.MILLISECONDS.toNanos(idleTimeoutMs));
        final NvmeDevice.Options driveOptions =
                NvmeDevice.Options.defaults().withQueueDepth(queueDepth).withFaults(faults);
        final TlsSettings tls = tlsSettings();
        if (tls != null) {
            // The server's handshake flight (certificate chain included) waits in the retained bytes until
            // acknowledged.
            tcp.retainedBytesPerConnection(
                    Math.max(tcp.retainedBytesPerConnection(), TlsSettings.RETAINED_BYTES_PER_CONNECTION));
        }
        return new ServerConfig(
                interfaceName,
                interfaceAddress,
                port,
                lanes,
                pin,
                idleStrategy,
                tcp,
                pattern,
                devices.stream().map(Path::toAbsolutePath).toList(),
                transport,
                driveOptions,
                buffers,
                new ChunkBudget(chunksPerConnection, recordsPerRead),
                managementAddress,
                accessLog,
                limits,
                Duration.ofSeconds(drainTimeoutSeconds),
                statsFile,
                Duration.ofMillis(statsIntervalMs),
                statsStdout,
                tls);
    }

    /** HTTPS settings from the --tls options, certificates loaded and checked; null without --tls-cert. */
    private TlsSettings tlsSettings() throws ConfigurationError {
        if (tlsCertificates.isEmpty() && tlsKeys.isEmpty()) {
            return null;
        }
        check(
                tlsCertificates.size() == tlsKeys.size(),
                "give one --tls-key for each --tls-cert (" + tlsCertificates.size() + " certificate(s), "
                        + tlsKeys.size() + " key(s))");
        check(
                tlsPort >= 1 && tlsPort <= 65535 && tlsPort != port,
                "--tls-port must be between 1 and 65535 and differ from --port, not " + tlsPort);
        check(
                List.of("default", "refuse").contains(tlsUnknownName),
                "--tls-unknown-name must be default or refuse, not '" + tlsUnknownName + "'");
        final List<TlsCertificates.Files> files = new ArrayList<>();
        for (int i = 0; i < tlsCertificates.size(); i++) {
            files.add(new TlsCertificates.Files(
                    tlsCertificates.get(i).toAbsolutePath(), tlsKeys.get(i).toAbsolutePath()));
        }
        final TlsCertificates certificates;
        try {
            certificates = new TlsCertificates(files, "refuse".equals(tlsUnknownName), java.time.Clock.systemUTC());
        } catch (CertificateFailure e) {
            throw new ConfigurationError(AtlasServer.EXIT_ENVIRONMENT, e.getMessage());
        }
        try {
            return new TlsSettings(tlsPort, certificates, sealer, TlsSettings.DEFAULT_HANDSHAKE_RECORDS_PER_PASS);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationError(AtlasServer.EXIT_USAGE, e.getMessage());
        }
    }

    private InterfaceAddress interfaceAddress() throws ConfigurationError {
        final int slash = address.indexOf('/');
        if (slash < 0) {
            throw new ConfigurationError(
                    AtlasServer.EXIT_USAGE,
                    "--address needs a prefix length, e.g. 198.18.0.2/24, not '" + address + "'");
        }
        final int ip;
        final int prefix;
        try {
            ip = Ipv4Address.parse(address.substring(0, slash));
            prefix = Integer.parseInt(address.substring(slash + 1));
        } catch (RuntimeException e) {
            throw new ConfigurationError(
                    AtlasServer.EXIT_USAGE, "--address '" + address + "' is not an IPv4 address with a prefix length");
        }
        check(prefix >= 1 && prefix <= 32, "--address prefix length must be 1..32, not " + prefix);
        // A mistyped --mac is a wrong setting: say so before looking at the machine.
        final long givenMac = mac == null ? 0 : parseMac(mac);
        final Path sys = SYS_CLASS_NET.resolve(interfaceName);
        if (interfaceName.isEmpty() || interfaceName.contains("/") || !Files.isDirectory(sys)) {
            throw new ConfigurationError(
                    AtlasServer.EXIT_ENVIRONMENT,
                    "no network interface named '" + interfaceName
                            + "' in this network namespace (see 'ip link'; in a namespace run through 'ip netns exec')");
        }
        if (!hasRawPacketAccess()) {
            throw new ConfigurationError(
                    AtlasServer.EXIT_ENVIRONMENT,
                    "AF_PACKET rings need CAP_NET_RAW: run as root, or "
                            + "give the process the capability (AmbientCapabilities=CAP_NET_RAW in a systemd unit, --cap-add NET_RAW "
                            + "for a container)");
        }
        long macValue = givenMac;
        if (mac == null) {
            try {
                macValue = MacAddress.parse(Files.readString(sys.resolve("address"), StandardCharsets.US_ASCII)
                        .trim());
            } catch (IOException | RuntimeException e) {
                throw new ConfigurationError(
                        AtlasServer.EXIT_ENVIRONMENT,
                        "cannot read the MAC address of " + interfaceName + ": give it with --mac");
            }
        }
        return new InterfaceAddress(macValue, ip, prefix);
    }

    private static long parseMac(String text) throws ConfigurationError {
        try {
            return MacAddress.parse(text);
        } catch (RuntimeException e) {
            throw new ConfigurationError(
                    AtlasServer.EXIT_USAGE, "--mac '" + text + "' is not a MAC address like 02:00:00:00:00:01");
        }
    }

    private static void check(boolean condition, String problem) throws ConfigurationError {
        if (!condition) {
            throw new ConfigurationError(AtlasServer.EXIT_USAGE, problem);
        }
    }

    /**
     * Whether CAP_NET_RAW is in the effective set: root has it, and so does a dedicated user the
     * capability was granted to (a systemd unit's ambient set, a container's file capabilities).
     */
    private static boolean hasRawPacketAccess() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return (Long.parseUnsignedLong(
                                            line.substring("CapEff:".length()).trim(), 16)
                                    & (1L << CAP_NET_RAW))
                            != 0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return false;
        }
        return false;
    }

    /** The --config FILE given on the command line, if any (read before the other options are parsed). */
    private static Path configFileIn(String[] args) throws ConfigurationError {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config")) {
                if (i + 1 == args.length) {
                    throw new ConfigurationError(AtlasServer.EXIT_USAGE, "--config needs a FILE");
                }
                return Path.of(args[i + 1]);
            }
            if (args[i].startsWith("--config=")) {
                return Path.of(args[i].substring("--config=".length()));
            }
        }
        return null;
    }

    /** Reads the configuration file; a key that is no option is a mistake worth stopping for. */
    private static Properties readConfig(Path file, CommandLine cli) throws ConfigurationError {
        final Properties properties = new Properties();
        if (!Files.exists(file)) {
            throw new ConfigurationError(AtlasServer.EXIT_USAGE, "the configuration file " + file + " does not exist");
        }
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigurationError(
                    AtlasServer.EXIT_USAGE,
                    "cannot read the configuration file " + file + ": "
                            + (Files.isDirectory(file) ? "it is a directory" : e.getMessage()));
        }
        final Set<String> known = new TreeSet<>();
        for (OptionSpec option : cli.getCommandSpec().options()) {
            // --help and --version are things to do, not settings; --config cannot name itself.
            if (!option.usageHelp() && !option.versionHelp()) {
                known.add(configKey(option));
            }
        }
        known.remove("config");
        for (String key : properties.stringPropertyNames()) {
            if (!known.contains(key)) {
                throw new ConfigurationError(
                        AtlasServer.EXIT_USAGE,
                        "the configuration file " + file + " sets '" + key
                                + "', which is no setting; the settings are the long options of 'atlas serve --help' without dashes: "
                                + known);
            }
        }
        return properties;
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

    /** The machine's memory, for sizing; 0 when the JVM cannot tell. */
    private static long physicalMemoryBytes() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return 0;
    }
}
