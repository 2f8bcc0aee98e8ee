package dev.atlas.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atlas.bench.netns.Topology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code atlas-dataplane-setup} (run by the systemd unit before the server) in a network
 * namespace of its own: it brings the data-plane interface up with no kernel address, ARP
 * silenced and receive coalescing off; a second run changes nothing; it refuses the interface
 * that holds the management address and the one that carries the default route, leaving them
 * as they were.
 */
@Tag("root")
class DataplaneSetupTest {
    private static final Duration SCRIPT = Duration.ofSeconds(30);
    private static final String DATA = "dp0";
    private static final String MANAGEMENT = "mg0";
    private static final String MANAGEMENT_ADDRESS = "198.18.1.1";

    private String namespace;

    @BeforeEach
    void namespace() throws Exception {
        Tools.require(true, "ip", "ethtool");
        namespace = Topology.uniqueName("dpl");
        Tools.check(SCRIPT, null, "ip", "netns", "add", namespace);
        ip("link", "add", DATA, "type", "veth", "peer", "name", "dp1");
        ip("addr", "add", "198.18.2.1/24", "dev", DATA);
        ip("link", "add", MANAGEMENT, "type", "veth", "peer", "name", "mg1");
        ip("addr", "add", MANAGEMENT_ADDRESS + "/24", "dev", MANAGEMENT);
        ip("link", "set", MANAGEMENT, "up");
        ip("link", "set", "dp1", "up");
        Tools.check(SCRIPT, null, "ip", "netns", "exec", namespace, "ethtool", "-K", DATA, "gro", "on");
    }

    @AfterEach
    void remove() throws Exception {
        if (namespace != null) {
            Tools.run(SCRIPT, null, "ip", "netns", "del", namespace);
        }
    }

    @Test
    void preparesTheDataPlaneInterfaceOnceAndRefusesTheManagementOne() throws Exception {
        final Path config = DeployFiles.scratch("dataplane").resolve("serve.properties");
        Files.writeString(config, "interface = " + DATA + "\nmanagement = " + MANAGEMENT_ADDRESS + ":9100\n");

        final Tools.Result first = setup("--config", config.toString());
        assertEquals(0, first.exitCode(), first::toString);
        assertTrue(
                first.output()
                        .contains(
                                "changed: link-up ipv4-addresses-flushed ipv6-off arp_ignore=8 generic-receive-offload-off"),
                first::toString);
        assertTrue(ip("-o", "link", "show", "dev", DATA).contains("UP"), "link up");
        assertEquals("", ip("-o", "addr", "show", "dev", DATA).strip(), "no kernel address left");
        assertEquals("1", sysctl("net/ipv6/conf/" + DATA + "/disable_ipv6"));
        assertEquals("8", sysctl("net/ipv4/conf/" + DATA + "/arp_ignore"));
        assertTrue(inNamespace("ethtool", "-k", DATA).contains("generic-receive-offload: off"));

        final Tools.Result again = setup("--config", config.toString());
        assertEquals(0, again.exitCode(), again::toString);
        assertTrue(again.output().contains("nothing to change"), again::toString);

        final Tools.Result refused = setup("--interface", MANAGEMENT, "--management", MANAGEMENT_ADDRESS + ":9100");
        assertEquals(3, refused.exitCode(), refused::toString);
        assertTrue(refused.output().contains("holds the management address"), refused::toString);
        assertTrue(ip("-o", "addr", "show", "dev", MANAGEMENT).contains(MANAGEMENT_ADDRESS), "management address kept");

        ip("route", "add", "default", "dev", MANAGEMENT);
        final Tools.Result routed = setup("--interface", MANAGEMENT, "--management", "none");
        assertEquals(3, routed.exitCode(), routed::toString);
        assertTrue(routed.output().contains("default route"), routed::toString);
        assertTrue(ip("-o", "addr", "show", "dev", MANAGEMENT).contains(MANAGEMENT_ADDRESS), "management address kept");
    }

    private Tools.Result setup(String... args) throws Exception {
        final String[] command = new String[args.length + 4];
        command[0] = "ip";
        command[1] = "netns";
        command[2] = "exec";
        command[3] = namespace;
        final String[] full = new String[command.length + 1];
        System.arraycopy(command, 0, full, 0, 4);
        full[4] = DeployFiles.BIN.resolve("atlas-dataplane-setup").toString();
        System.arraycopy(args, 0, full, 5, args.length);
        return Tools.run(SCRIPT, null, full);
    }

    private String ip(String... args) throws Exception {
        final String[] command = new String[args.length + 3];
        command[0] = "ip";
        command[1] = "-n";
        command[2] = namespace;
        System.arraycopy(args, 0, command, 3, args.length);
        return Tools.check(SCRIPT, null, command);
    }

    private String inNamespace(String... args) throws Exception {
        final String[] command = new String[args.length + 4];
        command[0] = "ip";
        command[1] = "netns";
        command[2] = "exec";
        command[3] = namespace;
        System.arraycopy(args, 0, command, 4, args.length);
        return Tools.check(SCRIPT, null, command);
    }

    private String sysctl(String key) throws Exception {
        return inNamespace("cat", "/proc/sys/" + key).strip();
    }
}
