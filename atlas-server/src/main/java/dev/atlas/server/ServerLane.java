package dev.atlas.server;

import dev.atlas.server.http.AccessLogWriter;
import dev.atlas.server.http.CatalogueResponder;
import dev.atlas.server.http.HttpLimits;
import dev.atlas.server.http.PatternResponder;
import dev.atlas.server.lane.Lane;
import dev.atlas.server.lane.LaneWork;
import dev.atlas.server.mgmt.Readiness;
import dev.atlas.server.proto.ArpTable;
import dev.atlas.server.proto.FrameInput;
import dev.atlas.server.proto.InterfaceAddress;
import dev.atlas.server.ring.PacketRing;
import dev.atlas.server.storage.CurrentCatalogue;
import dev.atlas.server.storage.ExtentSource;
import dev.atlas.server.storage.GenerationPins;
import dev.atlas.server.storage.LaneDrives;
import dev.atlas.server.tcp.TcpApplication;
import dev.atlas.server.tcp.TcpConfig;
import dev.atlas.server.tcp.TcpStack;
import org.agrona.concurrent.SystemEpochClock;

/**
 * One lane of the appliance, assembled (DESIGN.md §3): its packet ring feeds the frame input
 * and TCP engine; the HTTP responder answers from the catalogue; the extent source reads from
 * the lane's own drive queues into its own chunk buffers. Its output step runs
 * completions → timers and sends (which ask for reads) → doorbells, so a read a pass asked for
 * is on its way before the pass ends and a completed read goes out in the same pass.
 * {@link #pattern} builds a lane with the pattern responder and no drives.
 */
public final class ServerLane implements LaneWork {
    private final Lane lane;
    private final TcpStack stack;
    private final FrameInput input;
    private final ExtentSource extents;
    private final CatalogueResponder responder;
    private final PatternResponder patternResponder;
    private final GenerationPins pins;

    private ServerLane(int index, PacketRing ring, InterfaceAddress address, TcpConfig tcp, int port,
                       ExtentSource extents, CatalogueResponder responder, PatternResponder patternResponder,
                       GenerationPins pins) {
        final ArpTable arp = new ArpTable();
        final TcpApplication application = responder != null ? responder : patternResponder;
        this.stack = new TcpStack(address, arp, ring, tcp, application);
        stack.listen(port);
        this.input = new FrameInput(address, arp, ring, stack);
        this.extents = extents;
        this.responder = responder;
        this.patternResponder = patternResponder;
        this.pins = pins;
        this.lane = new Lane(index, ring, input::onFrame, this);
    }

    /** A lane serving the catalogue from {@code drives}. */
    static ServerLane catalogue(int index, PacketRing ring, InterfaceAddress address, TcpConfig tcp, int port,
                                LaneDrives drives, int chunksPerConnection, CurrentCatalogue catalogue, Readiness readiness,
                                AccessLogWriter accessLog, HttpLimits limits) {
        final ExtentSource extents = new ExtentSource(drives, tcp.maxConnections(), chunksPerConnection);
        final GenerationPins pins = new GenerationPins();
        final CatalogueResponder responder = new CatalogueResponder(tcp.maxConnections(), catalogue, extents, pins,
            readiness, accessLog, limits, SystemEpochClock.INSTANCE);
        return new ServerLane(index, ring, address, tcp, port, extents, responder, null, pins);
    }

    /** A lane with the network stack's test responder only ({@code GET /pattern/<bytes>}). */
    static ServerLane pattern(int index, PacketRing ring, InterfaceAddress address, TcpConfig tcp, int port,
                              Readiness readiness) {
        final PatternResponder responder = new PatternResponder(tcp.maxConnections(), HttpLimits.DEFAULT,
            SystemEpochClock.INSTANCE, readiness);
        return new ServerLane(index, ring, address, tcp, port, null, null, responder, null);
    }

    @Override
    public int doWork(long nowNanos) {
        if (extents == null) {
            return stack.poll(nowNanos);
        }
        int work = extents.poll(nowNanos);
        work += stack.poll(nowNanos);
        work += responder.doWork();
        work += extents.submit();
        return work;
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

    /** The drive reader, or null on a pattern lane. */
    public ExtentSource extents() {
        return extents;
    }

    /** The HTTP responder, or null on a pattern lane. */
    public CatalogueResponder responder() {
        return responder;
    }

    /** The pattern responder, or null on a catalogue lane. */
    public PatternResponder patternResponder() {
        return patternResponder;
    }

    /** Generations this lane's responses read from, or null on a pattern lane. */
    public GenerationPins pins() {
        return pins;
    }
}
