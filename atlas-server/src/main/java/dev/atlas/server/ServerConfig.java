package dev.atlas.server;

import dev.atlas.diskmap.NvmeDevice;
import dev.atlas.server.http.HttpLimits;
import dev.atlas.server.lane.LaneIdle;
import dev.atlas.server.proto.InterfaceAddress;
import dev.atlas.server.storage.ChunkBudget;
import dev.atlas.server.tcp.TcpConfig;
import dev.atlas.server.tls.TlsSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything {@link AtlasServer} needs, checked and resolved (by {@code ServeCommand} from the
 * command line and the configuration file).
 *
 * @param interfaceName      the data-plane interface the lanes attach to
 * @param address            the IPv4 address (and MAC) the stack owns there
 * @param port               HTTP port
 * @param lanes              lane threads, one fanout member each
 * @param pin                pin lane N to CPU N
 * @param idle               how an idle lane waits
 * @param tcp                each lane's TCP engine settings
 * @param pattern            serve the network stack's test pattern instead of a catalogue
 * @param devices            the catalogue's devices (empty with {@code pattern})
 * @param transport          how lanes reach the drives: file, passthru, emulated
 * @param drives             queue depth and (emulated) fault plan of each lane's queue to each drive
 * @param buffersPerLane     chunk buffers in each lane's pool
 * @param chunks             chunks one connection may have staged or in flight, records per drive read
 * @param management         the management server's address, or null for none
 * @param accessLog          the access log file, or null when it is off
 * @param limits             HTTP request limits
 * @param drainTimeout       how long a drain waits for responses in flight before stopping anyway
 * @param statsFile          a file rewritten with key=value counters, or null
 * @param statsInterval      how often the stats file (and a stdout summary) are written
 * @param statsStdout        also print a one-line summary every interval
 * @param tls                HTTPS settings, or null for HTTP only
 */
public record ServerConfig(
        String interfaceName,
        InterfaceAddress address,
        int port,
        int lanes,
        boolean pin,
        LaneIdle idle,
        TcpConfig tcp,
        boolean pattern,
        List<Path> devices,
        String transport,
        NvmeDevice.Options drives,
        int buffersPerLane,
        ChunkBudget chunks,
        InetSocketAddress management,
        Path accessLog,
        HttpLimits limits,
        Duration drainTimeout,
        Path statsFile,
        Duration statsInterval,
        boolean statsStdout,
        TlsSettings tls) {
    public ServerConfig {
        devices = List.copyOf(devices);
    }
}
