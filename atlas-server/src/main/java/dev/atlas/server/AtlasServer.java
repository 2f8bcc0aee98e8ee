package dev.atlas.server;

import dev.atlas.catalogue.Catalogue;
import dev.atlas.catalogue.CatalogueFullException;
import dev.atlas.catalogue.device.BlockDeviceOpener;
import dev.atlas.catalogue.device.BlockDevices;
import dev.atlas.catalogue.device.DiskmapBlockDevice;
import dev.atlas.catalogue.error.CatalogueBusyException;
import dev.atlas.catalogue.error.CatalogueException;
import dev.atlas.diskmap.Transport;
import dev.atlas.diskmap.transport.DiskmapException;
import dev.atlas.server.http.AccessLogWriter;
import dev.atlas.server.http.CatalogueResponder;
import dev.atlas.server.http.HttpStatus;
import dev.atlas.server.lane.Lane;
import dev.atlas.server.lane.Lanes;
import dev.atlas.server.lane.Readiness;
import dev.atlas.server.mgmt.AccessLogFlusher;
import dev.atlas.server.mgmt.AtlasMetrics;
import dev.atlas.server.mgmt.DataPathMeters;
import dev.atlas.server.mgmt.LaneCounterSource;
import dev.atlas.server.mgmt.ManagementServer;
import dev.atlas.server.mgmt.ManagementServer.AdminResult;
import dev.atlas.server.mgmt.MetricNames;
import dev.atlas.server.ring.PacketRing;
import dev.atlas.server.ring.afpacket.AfPacketRing;
import dev.atlas.server.storage.CurrentCatalogue;
import dev.atlas.server.storage.ExtentSource;
import dev.atlas.server.storage.GenerationPins;
import dev.atlas.server.storage.LaneDrives;
import dev.atlas.server.tls.TlsMeters;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.agrona.concurrent.SystemEpochClock;

/**
 * The appliance as one object: the served catalogue, the lanes (ring, TCP/IP, HTTP, drive
 * queues), the access log, the metrics and the management server with its drain, reload and
 * catalogue-update actions. {@link #start} brings it all up or fails with one operator
 * sentence (and the exit code an init system should see); {@link #awaitStop} returns when a
 * stop was asked for or a drain has finished; {@link #close} resets what is left and frees it all.
 */
public final class AtlasServer implements AutoCloseable {
    /** Exit code: a setting is wrong (the command line, the configuration file). */
    public static final int EXIT_USAGE = 2;
    /** Exit code: the machine is not as needed (no interface, no privilege, a drive missing or busy). */
    public static final int EXIT_ENVIRONMENT = 1;

    private static final int ACCESS_LOG_RING_BYTES = 1 << 20;
    private static final long DRAIN_POLL_MILLIS = 100;
    /** Once no response is in flight, how long idle connections get to close before the rest are reset. */
    private static final long DRAIN_CLOSE_GRACE_NANOS = 2_000_000_000L;

    /** A start that failed for a reason the operator can act on. */
    public static final class StartFailure extends Exception {
        private static final long serialVersionUID = 1L;
        private final int exitCode;

        StartFailure(int exitCode, String message) {
            super(message, null, false, false);
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    private final ServerConfig config;
    private final PrintStream out;
    private final Readiness readiness = new Readiness();
    private final AtlasMetrics metrics = new AtlasMetrics();
    private final List<ServerLane> lanes = new ArrayList<>();
    private final List<LaneDrives> drives = new ArrayList<>();
    private final CountDownLatch stop = new CountDownLatch(1);
    private CatalogueKeeper keeper;
    private AccessLogFlusher accessLog;
    private ManagementServer management;
    private Lanes running;
    private StatsFile stats;
    private volatile String stopReason = "stop requested";

    private AtlasServer(ServerConfig config, PrintStream out) {
        this.config = config;
        this.out = out;
    }

    /** Builds and starts everything; on failure, frees what was built and says why. */
    public static AtlasServer start(ServerConfig config, PrintStream out) throws StartFailure {
        final AtlasServer server = new AtlasServer(config, out);
        try {
            server.build();
            server.run();
            return server;
        } catch (StartFailure e) {
            server.close();
            throw e;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private void build() throws StartFailure {
        CurrentCatalogue current = null;
        if (!config.pattern()) {
            keeper = new CatalogueKeeper(openCatalogue());
            current = keeper.current();
            // Damage the catalogue library found: served as read, but loud, and updates are refused.
            for (String damage : keeper.catalogue().damage()) {
                out.println("atlas serve: WARNING " + damage);
            }
            metrics.gauge(
                    MetricNames.CATALOGUE_DAMAGE,
                    "Kinds of damage found in the catalogue when it was opened;"
                            + " above 0, admin imports and removals are refused until `atlas-catalogue fsck --repair`.",
                    () -> keeper.catalogue().damage().size());
            metrics.gauge(
                    MetricNames.CATALOGUE_GENERATION,
                    "Generation of the catalogue new requests are served from.",
                    () -> keeper.current().get().generation());
            metrics.gauge(
                    MetricNames.CATALOGUE_ENTRIES,
                    "Files in the served catalogue.",
                    () -> keeper.current().get().size());
            metrics.gauge(
                    MetricNames.CATALOGUE_BYTES,
                    "Bytes of content in the served catalogue.",
                    () -> keeper.current().get().totalBytes());
        }
        if (config.accessLog() != null) {
            try {
                accessLog = AccessLogFlusher.toFile(
                        config.accessLog(), config.lanes(), ACCESS_LOG_RING_BYTES, SystemEpochClock.INSTANCE);
            } catch (UncheckedIOException e) {
                throw new StartFailure(EXIT_ENVIRONMENT, e.getMessage());
            }
            accessLog.registerMetrics(metrics);
        }
        final int fanoutGroup =
                config.lanes() > 1 ? (int) (ProcessHandle.current().pid() & 0xFFFF) : AfPacketRing.NO_FANOUT;
        for (int i = 0; i < config.lanes(); i++) {
            final PacketRing ring;
            try {
                ring = AfPacketRing.open(config.interfaceName(), fanoutGroup);
            } catch (RuntimeException e) {
                throw new StartFailure(
                        EXIT_ENVIRONMENT,
                        "cannot attach to interface " + config.interfaceName() + ": " + e.getMessage());
            }
            final ServerLane lane;
            if (config.pattern()) {
                lane = ServerLane.pattern(
                        i, ring, config.address(), config.tcp(), config.port(), readiness, config.tls());
            } else {
                final LaneDrives laneDrives;
                try {
                    laneDrives = LaneDrives.open(
                            devicesInSetOrder(), config.transport(), config.drives(), config.buffersPerLane());
                } catch (DiskmapException | IllegalArgumentException e) {
                    ring.close();
                    throw new StartFailure(
                            EXIT_ENVIRONMENT,
                            "cannot open the catalogue's drives for lane " + i + ": " + e.getMessage());
                }
                drives.add(laneDrives);
                final AccessLogWriter log = accessLog == null ? AccessLogWriter.DISABLED : accessLog.writer(i);
                lane = ServerLane.catalogue(
                        i,
                        ring,
                        config.address(),
                        config.tcp(),
                        config.port(),
                        laneDrives,
                        config.chunks(),
                        current,
                        readiness,
                        log,
                        config.limits(),
                        config.tls());
            }
            lanes.add(lane);
            registerMeters(i, lane);
        }
        if (keeper != null) {
            final List<GenerationPins> pins = new ArrayList<>();
            final List<LongSupplier> passes = new ArrayList<>();
            for (ServerLane lane : lanes) {
                pins.add(lane.pins());
                passes.add(lane.lane().counters()::loopsSeen);
            }
            keeper.watch(pins, passes);
        }
        if (config.management() != null) {
            try {
                management = new ManagementServer(config.management(), metrics, readiness);
            } catch (UncheckedIOException e) {
                throw new StartFailure(EXIT_ENVIRONMENT, e.getMessage());
            }
            management.addDrainHook(this::watchDrain);
            if (config.tls() != null) {
                management.addReloadHook(
                        "certificates", () -> TlsMeters.reload(config.tls().certificates()));
            }
            if (keeper != null) {
                management.addReloadHook("catalogue", keeper::reload);
                management.addAdminAction("/admin/catalogue/import", this::importAction);
                management.addAdminAction("/admin/catalogue/rm", this::removeAction);
            }
        }
        if (config.tls() != null) {
            TlsMeters.registerCertificates(metrics, config.tls().certificates());
            reloadCertificatesOnHangup();
        }
        stats = new StatsFile(config.statsFile(), out, config.statsStdout(), lanes);
    }

    /** SIGHUP re-reads the certificate files, as POST /admin/reload does; the outcome is one line on stdout. */
    private void reloadCertificatesOnHangup() {
        if (hangupIgnored()) {
            // The JVM leaves a signal that was ignored when it started (nohup does that) ignored.
            out.println("atlas serve: SIGHUP is ignored in this process (started under nohup?), so it cannot reload"
                    + " the certificates; use POST /admin/reload");
            return;
        }
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
                String outcome;
                try {
                    outcome = TlsMeters.reload(config.tls().certificates());
                } catch (RuntimeException e) {
                    outcome = "failed, the certificates in use stay: " + e.getMessage();
                }
                out.println("atlas serve: SIGHUP: certificates " + outcome);
                out.flush();
            });
        } catch (IllegalArgumentException e) {
            out.println("atlas serve: SIGHUP is not available here (" + e.getMessage() + "); use POST /admin/reload");
        }
    }

    /** Whether SIGHUP (signal 1) is in this process's ignored set, as /proc says. */
    private static boolean hangupIgnored() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(
                                            line.substring("SigIgn:".length()).trim(), 16)
                                    & 1)
                            != 0;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // Not Linux's /proc: assume the signal can be handled.
        }
        return false;
    }

    private Catalogue openCatalogue() throws StartFailure {
        try {
            return Catalogue.open(config.devices(), catalogueOpener());
        } catch (CatalogueBusyException e) {
            throw new StartFailure(EXIT_ENVIRONMENT, e.getMessage());
        } catch (CatalogueException | DiskmapException e) {
            throw new StartFailure(
                    EXIT_ENVIRONMENT, "cannot serve the catalogue on " + config.devices() + ": " + e.getMessage());
        }
    }

    /**
     * The index is read through the lanes' transport, so devices only that transport opens
     * ({@code /dev/ngXnY}, {@code /dev/diskmapN}) serve too; emulated images are read as files,
     * since the emulated controller's fault plan is meant for the data path.
     */
    private BlockDeviceOpener catalogueOpener() {
        final Transport transport = Transport.named(config.transport());
        return switch (transport) {
            case FILE, EMULATED -> BlockDevices.defaultOpener();
            case PASSTHRU, DISKMAP -> path -> DiskmapBlockDevice.open(path, transport.label(), config.drives());
        };
    }

    /** The operator may name the devices in any order; lanes address them by their index in the set. */
    private List<Path> devicesInSetOrder() {
        final List<Path> ordered = new ArrayList<>();
        for (int d = 0; d < keeper.catalogue().deviceCount(); d++) {
            ordered.add(keeper.catalogue().devicePath(d));
        }
        return ordered;
    }

    private void registerMeters(int index, ServerLane lane) {
        final String name = Integer.toString(index);
        final Lane l = lane.lane();
        metrics.registerLane(name, new LaneCounterSource(l.counters()));
        metrics.registerLane(
                name, DataPathMeters.tcp(lane.stack().counters(), lane.input().counters()));
        if (l.ring() instanceof AfPacketRing ring) {
            metrics.registerLane(
                    name,
                    meters -> meters.counter(
                                    MetricNames.RX_BYTES, "Bytes received on the data-plane ring.", ring::rxBytes)
                            .counter(MetricNames.TX_BYTES, "Bytes handed to the data-plane TX ring.", ring::txBytes)
                            .counter(
                                    MetricNames.RX_RING_DROPS,
                                    "Frames the kernel dropped because the lane's RX ring was full.",
                                    ring::kernelRxDrops));
        }
        if (lane.tls() != null) {
            metrics.registerLane(name, new TlsMeters(lane.tls()));
        }
        if (lane.responder() instanceof CatalogueResponder responder) {
            metrics.registerLane(name, DataPathMeters.http(responder.counters()));
        }
        if (lane.storage() instanceof ExtentSource extents) {
            metrics.registerLane(
                    name,
                    DataPathMeters.storage(
                            extents.counters(), extents.drives().buffers(), extents.drives()::readsInFlight));
            metrics.registerReadLatency(name, extents.counters());
            metrics.registerLane(name, DataPathMeters.bufferSharing(extents));
        }
    }

    private void run() {
        running = Lanes.start(lanes.stream().map(ServerLane::lane).toList(), config.idle(), config.pin());
        stats.running(running);
        if (management != null) {
            management.start();
        }
        readiness.markReady();
    }

    /** The management server's address (with the real port when port 0 was asked for), or null. */
    public java.net.InetSocketAddress managementAddress() {
        return management == null ? null : management.address();
    }

    public List<ServerLane> lanes() {
        return lanes;
    }

    public Readiness readiness() {
        return readiness;
    }

    public AtlasMetrics metrics() {
        return metrics;
    }

    /** Counters summed over lanes ({@code tcp.*}, {@code disk.*}, {@code http.*}, …). */
    public Map<String, Long> counters() {
        return stats.snapshot();
    }

    /** Heap bytes lane {@code index}'s thread has allocated so far (-1 when unknown). */
    public long laneAllocatedBytes(int index) {
        return running.allocatedBytes(index);
    }

    /** Asks {@link #awaitStop} to return (SIGTERM, Ctrl-C). */
    public void requestStop(String reason) {
        stopReason = reason;
        stop.countDown();
    }

    /**
     * Writes the stats every interval until a stop is requested or a drain finishes; returns why.
     */
    public String awaitStop() throws InterruptedException {
        while (!stop.await(config.statsInterval().toMillis(), TimeUnit.MILLISECONDS)) {
            stats.write();
        }
        stats.write();
        return stopReason;
    }

    /** Stops the lanes (each resets its remaining connections), prints the counters, frees everything. */
    @Override
    public void close() {
        if (running != null) {
            running.close();
            running = null;
            stats.printAll();
        } else {
            for (ServerLane lane : lanes) {
                lane.lane().ring().close();
            }
        }
        if (management != null) {
            management.close();
        }
        for (LaneDrives d : drives) {
            d.close();
        }
        if (accessLog != null) {
            accessLog.close();
        }
        if (keeper != null) {
            keeper.close();
        }
        metrics.close();
    }

    // ---------------------------------------------------------------------------------------
    // Drain and catalogue updates (management thread)
    // ---------------------------------------------------------------------------------------

    /** After POST /admin/drain: stops the server once the responses in flight have finished. */
    private void watchDrain() {
        final Thread watcher = new Thread(
                () -> {
                    final long deadline =
                            System.nanoTime() + config.drainTimeout().toNanos();
                    long quietSince = -1;
                    try {
                        while (System.nanoTime() - deadline < 0) {
                            final Map<String, Long> now = stats.snapshot();
                            // The pattern responder keeps no per-response record: its connections are the measure.
                            final long inFlight = config.pattern()
                                    ? now.getOrDefault("tcp.connectionsOpen", 0L)
                                    : responsesInFlight(now);
                            final long open = now.getOrDefault("tcp.connectionsOpen", 0L);
                            if (inFlight == 0) {
                                if (quietSince < 0) {
                                    quietSince = System.nanoTime();
                                }
                                if (open == 0 || System.nanoTime() - quietSince > DRAIN_CLOSE_GRACE_NANOS) {
                                    requestStop("drained: every response in flight finished");
                                    return;
                                }
                            } else {
                                quietSince = -1;
                            }
                            Thread.sleep(DRAIN_POLL_MILLIS);
                        }
                        requestStop(
                                "drain timeout after " + config.drainTimeout().toSeconds() + " s; "
                                        + responsesInFlight(stats.snapshot()) + " response(s) cut short");
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "atlas-drain");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static long responsesInFlight(Map<String, Long> counters) {
        long queued = 0;
        for (Map.Entry<String, Long> e : counters.entrySet()) {
            if (e.getKey().startsWith("http.status.")) {
                queued += e.getValue();
            }
        }
        return queued - counters.getOrDefault("http.finished", 0L);
    }

    private AdminResult importAction(Map<String, List<String>> parameters) {
        final List<String> sources = parameters.getOrDefault("source", List.of());
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("name what to import with source=/absolute/path (repeatable)");
        }
        final List<Path> paths = new ArrayList<>();
        for (String source : sources) {
            final Path path = Path.of(source);
            if (!path.isAbsolute()) {
                throw new IllegalArgumentException("source '" + source + "' must be an absolute path on the server");
            }
            paths.add(path);
        }
        final List<String> prefix = parameters.getOrDefault("prefix", List.of());
        return catalogueUpdate(() -> keeper.importFiles(paths, prefix.isEmpty() ? null : prefix.get(0)));
    }

    private AdminResult removeAction(Map<String, List<String>> parameters) {
        final List<String> names = parameters.getOrDefault("name", List.of());
        return catalogueUpdate(() -> keeper.remove(names));
    }

    private interface Update {
        String run();
    }

    /** Runs an update; the catalogue's own errors become statuses an operator's script can tell apart. */
    private static AdminResult catalogueUpdate(Update update) {
        try {
            return AdminResult.ok(update.run());
        } catch (CatalogueFullException e) {
            return new AdminResult(HttpStatus.INSUFFICIENT_STORAGE.code(), e.getMessage());
        } catch (CatalogueBusyException e) {
            return new AdminResult(HttpStatus.CONFLICT.code(), e.getMessage());
        } catch (CatalogueException e) {
            return new AdminResult(HttpStatus.BAD_REQUEST.code(), e.getMessage());
        }
    }
}
