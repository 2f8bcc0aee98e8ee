package dev.atlas.bench.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code netns up} leaves namespaces and a running middlebox behind and says where; {@code netns down} removes both. */
class NetnsCliTest {

    private static String run(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            int status = new CommandLine(new NetnsCli()).execute(args);
            assertEquals(0, status, "netns " + String.join(" ", args) + " printed: " + captured);
        } finally {
            System.setOut(saved);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void upThenDown() throws Exception {
        boolean root = "0".equals(Shell.tryRun("id", "-u").output().strip());
        boolean tools = Shell.tryRun("sh", "-c", "command -v ip && command -v nft && command -v ethtool")
                        .exitCode()
                == 0;
        if (!root || !tools) {
            if ("true".equals(System.getenv("CI"))) {
                fail("netns tests need root, ip, nft and ethtool (CI=true: they must be present)");
            }
            Assumptions.abort("netns tests need root, ip, nft and ethtool");
        }
        String name = Topology.uniqueName("atdcli");
        try {
            String up = run("up", "--name", name, "--delay-bands", "10,30", "--loss", "0.01");
            assertTrue(up.contains("server address: 198.18.0.2/24"), up);
            assertTrue(up.contains("client address: 198.18.0.1/24 on c0 in " + name + "-cli"), up);
            String namespaces = Shell.run("ip", "netns", "list");
            assertTrue(namespaces.contains(name + "-mbox") && namespaces.contains(name + "-srv"), namespaces);
            long pid = Long.parseLong(
                    Files.readString(NetnsCli.stateDirectory(name).resolve("middlebox.pid"))
                            .strip());
            assertTrue(
                    ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                    "middlebox runs in the background");
            String rule = Shell.run("ip", "netns", "exec", name + "-mbox", "nft", "list", "ruleset");
            assertTrue(rule.contains("iifname \"mc\" drop"), rule);

            String down = run("down", "--name", name);
            assertTrue(down.contains("middlebox counters: received="), down);
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "middlebox stopped");
            assertFalse(Shell.run("ip", "netns", "list").contains(name));
            assertFalse(Files.exists(NetnsCli.stateDirectory(name)));
        } finally {
            run("down", "--name", name);
        }
    }
}
