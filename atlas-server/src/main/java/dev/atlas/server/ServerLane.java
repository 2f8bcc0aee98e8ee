package dev.atlas.server;

import dev.atlas.server.http.AccessLogWriter;
import dev.atlas.server.http.CatalogueResponder;
import dev.atlas.server.http.HttpLimits;
import dev.atlas.server.http.PatternResponder;
import dev.atlas.server.http.Responder;
import dev.atlas.server.lane.Lane;
import dev.atlas.server.lane.LaneSteps;
import dev.atlas.server.lane.Readiness;
import dev.atlas.server.proto.ArpTable;
import dev.atlas.server.proto.FrameInput;
import dev.atlas.server.proto.InterfaceAddress;
import dev.atlas.server.ring.PacketRing;
import dev.atlas.server.ring.RxSlot;
import dev.atlas.server.storage.ChunkBudget;
import dev.atlas.server.storage.CurrentCatalogue;
import dev.atlas.server.storage.ExtentSource;
import dev.atlas.server.storage.GenerationPins;
import dev.atlas.server.storage.LaneDrives;
import dev.atlas.server.storage.LaneStorage;
import dev.atlas.server.tcp.TcpConfig;
import dev.atlas.server.tcp.TcpStack;
import dev.atlas.server.tls.TlsResponder;
import dev.atlas.server.tls.TlsSettings;
import org.agrona.concurrent.SystemEpochClock;

/**
 * One lane of the appliance, assembled (DESIGN.md §3): which part does each step of the
 * {@link Lane}'s loop. Frames go through the frame input into the TCP engine and on to the HTTP
 * responder; the engine's plan step asks the send streams' sources for bytes and the lane's
 * storage submits the reads; completions wake connections; the engine's output step builds the
 * frames; its timer step fires last. A catalogue lane's bytes come from its own drive queues
 * into its own chunk buffers; a pattern lane's from memory, with no drives.
 */
public final class ServerLane implements LaneSteps {
    private final Lane lane;
    private final TcpStack stack;
    private final FrameInput input;
    private final LaneStorage storage;
    private final Responder responder;
    /** What the TCP engine talks to: the HTTP responder, or HTTPS in front of it. */
    private final Responder application;

    private final TlsResponder tls;
    private final GenerationPins pins;

    private ServerLane(
            int index,
            PacketRing ring,
            InterfaceAddress address,
            TcpConfig tcp,
            int port,
            LaneStorage storage,
            Responder responder,
            GenerationPins pins,
            TlsSettings tlsSettings) {
        final ArpTable arp = new ArpTable();
        this.tls = tlsSettings == null
                ? null
                : new TlsResponder(
                        responder,
                        tlsSettings.port(),
                        tlsSettings.certificates(),
                        tcp.maxConnections(),
                        tlsSettings.newSealer(),
                        tlsSettings.handshakeRecordsPerPass());
        this.application = tls == null ? responder : tls;
        this.stack = new TcpStack(address, arp, ring, tcp, application);
        stack.listen(port);
        if (tlsSettings != null) {
            stack.listen(tlsSettings.port());
        }
        this.input = new FrameInput(address, arp, ring, stack);
        this.storage = storage;
        this.responder = responder;
        this.pins = pins;
        this.lane = new Lane(index, ring, this);
    }

    /** A lane serving the catalogue from {@code drives}. */
    static ServerLane catalogue(
            int index,
            PacketRing ring,
            InterfaceAddress address,
            TcpConfig tcp,
            int port,
            LaneDrives drives,
            ChunkBudget chunks,
            CurrentCatalogue catalogue,
            Readiness readiness,
            AccessLogWriter accessLog,
            HttpLimits limits) {
        return catalogue(
                index, ring, address, tcp, port, drives, chunks, catalogue, readiness, accessLog, limits, null);
    }

    /** A lane serving the catalogue from {@code drives}, over HTTPS too when {@code tls} is not null. */
    static ServerLane catalogue(
            int index,
            PacketRing ring,
            InterfaceAddress address,
            TcpConfig tcp,
            int port,
            LaneDrives drives,
            ChunkBudget chunks,
            CurrentCatalogue catalogue,
            Readiness readiness,
            AccessLogWriter accessLog,
            HttpLimits limits,
            TlsSettings tls) {
        final ExtentSource extents = new ExtentSource(drives, tcp.maxConnections(), chunks);
        final GenerationPins pins = new GenerationPins();
        final CatalogueResponder responder = new CatalogueResponder(
                tcp.maxConnections(),
                catalogue,
                extents,
                pins,
                readiness,
                accessLog,
                limits,
                SystemEpochClock.INSTANCE);
        return new ServerLane(index, ring, address, tcp, port, extents, responder, pins, tls);
    }

    /** A lane with the network stack's test responder only ({@code GET /pattern/<bytes>}): its bytes come from memory. */
    static ServerLane pattern(
            int index, PacketRing ring, InterfaceAddress address, TcpConfig tcp, int port, Readiness readiness) {
        return pattern(index, ring, address, tcp, port, readiness, null);
    }

    /** A pattern lane, over HTTPS too when {@code tls} is not null. */
    static ServerLane pattern(
            int index,
            PacketRing ring,
            InterfaceAddress address,
            TcpConfig tcp,
            int port,
            Readiness readiness,
            TlsSettings tls) {
        final PatternResponder responder =
                new PatternResponder(tcp.maxConnections(), HttpLimits.DEFAULT, SystemEpochClock.INSTANCE, readiness);
        return new ServerLane(
                index, ring, address, tcp, port, LaneStorage.NO_DRIVES, responder, new GenerationPins(), tls);
    }

    @Override
    public int onFrame(RxSlot slot, long nowNanos) {
        return input.onFrame(slot, nowNanos);
    }

    @Override
    public int plan(long nowNanos) {
        storage.planning(nowNanos);
        final int planned = stack.plan(nowNanos);
        return planned + storage.submit();
    }

    @Override
    public int complete(long nowNanos) {
        return storage.complete(nowNanos);
    }

    @Override
    public int output(long nowNanos) {
        final int swept = application.doWork();
        return swept + stack.output(nowNanos);
    }

    @Override
    public int timers(long nowNanos) {
        return stack.timers(nowNanos);
    }

    /** The server stops: every peer gets a reset rather than silence. */
    @Override
    public void onStop(long nowNanos) {
        stack.resetAll();
    }

    public Lane lane() {
        return lane;
    }

    public TcpStack stack() {
        return stack;
    }

    public FrameInput input() {
        return input;
    }

    /** The drive side: an {@link ExtentSource} on a catalogue lane, {@link LaneStorage#NO_DRIVES} on a pattern lane. */
    public LaneStorage storage() {
        return storage;
    }

    /** The HTTP responder: a {@link CatalogueResponder} or a {@link PatternResponder}. */
    public Responder responder() {
        return responder;
    }

    /** HTTPS on this lane, or null when it serves HTTP only. */
    public TlsResponder tls() {
        return tls;
    }

    /** Generations this lane's responses read from (none on a pattern lane). */
    public GenerationPins pins() {
        return pins;
    }
}
