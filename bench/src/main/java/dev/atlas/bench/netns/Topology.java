package dev.atlas.bench.netns;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The namespaces a benchmark or interop test runs in, named {@code <name>-cli}, {@code <name>-mbox},
 * {@code <name>-srv}.
 *
 * <pre>
 *  MIDDLEBOX:  cli [c0 198.18.0.1/24] ─veth─ [mc] mbox: br0 [ms] ─veth─ [s0] srv
 *  DIRECT:     cli [c0 198.18.0.1/24] ─veth─ [s0] srv
 * </pre>
 *
 * The server's stack address (198.18.0.2) is given to no kernel: the stack owns it and answers
 * ARP itself. In the middlebox mode an nftables bridge rule in mbox drops client→server frames
 * after the middlebox's AF_PACKET socket on {@code mc} has seen them; the middlebox sends them
 * on through {@code ms} when their delay is up. Server→client frames cross the bridge in the
 * kernel. TX checksum offload is off on {@code c0} so captured frames carry real checksums.
 *
 * <p>{@link #close()} removes everything and is idempotent; {@link #removeOnExit()} adds a
 * shutdown hook for tests and tools that must not leave namespaces behind.
 */
public final class Topology implements AutoCloseable {
    /** Whether a middlebox sits between client and server. */
    public enum Mode {
        MIDDLEBOX,
        DIRECT
    }

    public static final String CLIENT_INTERFACE = "c0";
    public static final String SERVER_INTERFACE = "s0";
    public static final String MBOX_CLIENT_PORT = "mc";
    public static final String MBOX_SERVER_PORT = "ms";
    public static final String BRIDGE = "br0";
    public static final String CLIENT_ADDRESS = "198.18.0.1";
    public static final String SERVER_ADDRESS = "198.18.0.2";
    /** A kernel address in srv, for baselines and kernel-to-kernel checks; never the stack's. */
    public static final String SERVER_KERNEL_ADDRESS = "198.18.0.3";

    public static final int PREFIX_LENGTH = 24;
    static final String NFT_TABLE = "atlas_mbox";
    static final String NFT_CHAIN = "mbhold";

    private final String name;
    private final Mode mode;
    private boolean kernelAddress;
    private volatile boolean down;
    private Thread hook;

    private Topology(String name, Mode mode) {
        this.name = name;
        this.mode = mode;
    }

    /** {@code prefix} plus a random suffix, so parallel runs never share namespaces. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
    }

    /** Creates the namespaces; on any failure removes what it made and throws with the failing command. */
    public static Topology up(String name, Mode mode) {
        if (!name.matches("[A-Za-z0-9_.-]{1,40}")) {
            throw new IllegalArgumentException(
                    "topology name '" + name + "' must be 1-40 letters, digits, '.', '_' or '-'");
        }
        Topology t = new Topology(name, mode);
        if (Shell.tryRun("ip", "netns", "pids", t.clientNamespace()).exitCode() == 0) {
            throw new IllegalStateException("namespace " + t.clientNamespace()
                    + " already exists: run './atlas netns down --name " + name + "' first");
        }
        try {
            t.create();
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    private void create() {
        for (String ns : namespaces()) {
            Shell.run("ip", "netns", "add", ns);
            Shell.run("ip", "-n", ns, "link", "set", "lo", "up");
            // No IPv6: router solicitations and DAD would only add noise frames to the rings.
            Shell.run("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1");
            Shell.run("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1");
        }
        String cli = clientNamespace();
        String srv = serverNamespace();
        if (mode == Mode.DIRECT) {
            Shell.run(
                    "ip",
                    "link",
                    "add",
                    CLIENT_INTERFACE,
                    "netns",
                    cli,
                    "type",
                    "veth",
                    "peer",
                    "name",
                    SERVER_INTERFACE,
                    "netns",
                    srv);
        } else {
            String mbox = mboxNamespace();
            Shell.run(
                    "ip",
                    "link",
                    "add",
                    CLIENT_INTERFACE,
                    "netns",
                    cli,
                    "type",
                    "veth",
                    "peer",
                    "name",
                    MBOX_CLIENT_PORT,
                    "netns",
                    mbox);
            Shell.run(
                    "ip",
                    "link",
                    "add",
                    SERVER_INTERFACE,
                    "netns",
                    srv,
                    "type",
                    "veth",
                    "peer",
                    "name",
                    MBOX_SERVER_PORT,
                    "netns",
                    mbox);
            Shell.run("ip", "-n", mbox, "link", "add", BRIDGE, "type", "bridge");
            for (String port : List.of(MBOX_CLIENT_PORT, MBOX_SERVER_PORT)) {
                Shell.run("ip", "-n", mbox, "link", "set", port, "master", BRIDGE);
                Shell.run("ip", "-n", mbox, "link", "set", port, "up");
            }
            Shell.run("ip", "-n", mbox, "link", "set", BRIDGE, "up");
            // 'fwd' is an nft keyword; the chain needs another name (FACTS).
            Shell.run(
                    "ip",
                    "netns",
                    "exec",
                    mbox,
                    "nft",
                    "add table bridge " + NFT_TABLE + " ; add chain bridge " + NFT_TABLE + " "
                            + NFT_CHAIN + " { type filter hook forward priority 0 ; } ; add rule bridge " + NFT_TABLE
                            + " " + NFT_CHAIN
                            + " iifname \"" + MBOX_CLIENT_PORT + "\" drop");
        }
        Shell.run("ip", "-n", cli, "addr", "add", CLIENT_ADDRESS + "/" + PREFIX_LENGTH, "dev", CLIENT_INTERFACE);
        Shell.run("ip", "-n", cli, "link", "set", CLIENT_INTERFACE, "up");
        Shell.run("ip", "-n", srv, "link", "set", SERVER_INTERFACE, "up");
        // Captured client frames must carry finished checksums (FACTS: the middlebox re-sends them as they are).
        Shell.run("ip", "netns", "exec", cli, "ethtool", "-K", CLIENT_INTERFACE, "tx", "off");
    }

    /** Removes the namespaces when the JVM exits, unless {@link #close()} ran first. */
    public Topology removeOnExit() {
        if (hook == null) {
            hook = new Thread(this::removeNamespaces, "topology-cleanup-" + name);
            Runtime.getRuntime().addShutdownHook(hook);
        }
        return this;
    }

    public String name() {
        return name;
    }

    public Mode mode() {
        return mode;
    }

    public String clientNamespace() {
        return name + "-cli";
    }

    public String serverNamespace() {
        return name + "-srv";
    }

    /** The middlebox namespace (exists only in {@link Mode#MIDDLEBOX}). */
    public String mboxNamespace() {
        return name + "-mbox";
    }

    public List<String> namespaces() {
        List<String> all = new ArrayList<>(List.of(clientNamespace(), serverNamespace()));
        if (mode == Mode.MIDDLEBOX) {
            all.add(1, mboxNamespace());
        }
        return all;
    }

    public String clientInterface() {
        return CLIENT_INTERFACE;
    }

    public String serverInterface() {
        return SERVER_INTERFACE;
    }

    public String clientAddress() {
        return CLIENT_ADDRESS;
    }

    /** The stack's address (no kernel has it). */
    public String serverAddress() {
        return SERVER_ADDRESS;
    }

    /** The stack's address with prefix, as {@code ./atlas serve --address} takes it. */
    public String serverCidr() {
        return SERVER_ADDRESS + "/" + PREFIX_LENGTH;
    }

    public String serverKernelAddress() {
        return SERVER_KERNEL_ADDRESS;
    }

    /** The MAC of the server-side interface, as {@code aa:bb:…} text. */
    public String serverMac() {
        return Shell.run(
                        "ip",
                        "netns",
                        "exec",
                        serverNamespace(),
                        "cat",
                        "/sys/class/net/" + SERVER_INTERFACE + "/address")
                .strip();
    }

    /** Gives the srv kernel {@link #SERVER_KERNEL_ADDRESS} (for kernel baselines on the same veth). */
    public void addServerKernelAddress() {
        if (!kernelAddress) {
            Shell.run(
                    "ip",
                    "-n",
                    serverNamespace(),
                    "addr",
                    "add",
                    SERVER_KERNEL_ADDRESS + "/" + PREFIX_LENGTH,
                    "dev",
                    SERVER_INTERFACE);
            kernelAddress = true;
        }
    }

    public void removeServerKernelAddress() {
        if (kernelAddress) {
            Shell.tryRun(
                    "ip",
                    "-n",
                    serverNamespace(),
                    "addr",
                    "del",
                    SERVER_KERNEL_ADDRESS + "/" + PREFIX_LENGTH,
                    "dev",
                    SERVER_INTERFACE);
            kernelAddress = false;
        }
    }

    /** Starts the delay middlebox in mbox (only in {@link Mode#MIDDLEBOX}); stop it with {@link MiddleboxProcess#close()}. */
    public MiddleboxProcess startMiddlebox(List<Integer> delayBandsMillis, double loss, long seed) {
        if (mode != Mode.MIDDLEBOX) {
            throw new IllegalStateException("topology " + name + " is direct: it has no middlebox namespace");
        }
        return MiddleboxProcess.start(mboxNamespace(), delayBandsMillis, loss, seed, null);
    }

    private void removeNamespaces() {
        if (down) {
            return;
        }
        down = true;
        for (String ns : namespaces()) {
            Shell.tryRun("ip", "netns", "del", ns);
        }
    }

    /** Removes the namespaces (and with them veths, bridge and rules); safe to call twice. */
    @Override
    public void close() {
        removeNamespaces();
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Already running as part of shutdown.
            }
            hook = null;
        }
    }

    /** Removes the namespaces of a topology by name, whichever mode it was (for {@code netns down}). */
    public static boolean removeByName(String name) {
        boolean any = false;
        for (String suffix : List.of("-cli", "-mbox", "-srv")) {
            any |= Shell.tryRun("ip", "netns", "del", name + suffix).exitCode() == 0;
        }
        return any;
    }
}
