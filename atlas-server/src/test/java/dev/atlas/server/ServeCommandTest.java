package dev.atlas.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code atlas serve} as an operator meets it before anything is served: a wrong setting on the
 * command line or in the {@code --config} file is exit code 2 with one sentence, a machine that
 * lacks something (a device, an interface) is exit 1, and the configuration file's values are
 * used unless the command line says otherwise. Every case fails before the server would start,
 * so none needs root or a network namespace.
 */
class ServeCommandTest {
    private static final String MISSING_DEVICE = "/nonexistent/atlas-test/catalogue.img";

    @TempDir
    Path dir;

    /** What one run printed and returned. */
    private record Outcome(int exitCode, String out, String err) {
        /** The first line on stderr without the "atlas serve: " prefix. */
        String problem() {
            final String first = err.lines().findFirst().orElse("");
            assertTrue(first.startsWith("atlas serve: "), () -> "stderr starts with 'atlas serve: ': " + err);
            return first.substring("atlas serve: ".length());
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    private static Outcome serve(String... args) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = ServeCommand.run(args, o, e);
        }
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A usage error: exit 2, one sentence (plus at most picocli's "Try --help" line), no stack trace. */
    private static String usageError(String... args) {
        final Outcome outcome = serve(args);
        assertEquals(AtlasServer.EXIT_USAGE, outcome.exitCode(), outcome::toString);
        assertOneSentence(outcome);
        return outcome.problem();
    }

    private static String environmentError(String... args) {
        final Outcome outcome = serve(args);
        assertEquals(AtlasServer.EXIT_ENVIRONMENT, outcome.exitCode(), outcome::toString);
        assertOneSentence(outcome);
        return outcome.problem();
    }

    private static void assertOneSentence(Outcome outcome) {
        final List<String> lines = outcome.err().lines().toList();
        assertTrue(
                lines.size() == 1 || lines.size() == 2 && lines.get(1).equals("Try './atlas serve --help'."),
                outcome::toString);
        assertFalse(outcome.err().contains("Exception") || outcome.err().contains("\tat "), outcome::toString);
        assertEquals("", outcome.out(), "nothing on stdout for a refused start");
    }

    private static List<String> pattern(String... more) {
        final List<String> args =
                new ArrayList<>(List.of("--interface", "lo", "--address", "198.18.0.2/24", "--pattern"));
        args.addAll(List.of(more));
        return args;
    }

    private static String[] array(List<String> args) {
        return args.toArray(String[]::new);
    }

    private Path config(String... lines) throws IOException {
        final Path file = Files.createTempFile(dir, "atlas", ".conf");
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    // ---------------------------------------------------------------------------------------
    // The command line
    // ---------------------------------------------------------------------------------------

    @Test
    void anUnknownOptionIsAUsageError() {
        assertEquals("Unknown option: '--bogus'", usageError("--bogus"));
    }

    @Test
    void interfaceAndAddressAreRequired() {
        assertTrue(usageError("--address", "198.18.0.2/24", "--pattern")
                .startsWith("--interface and --address are required"));
        assertTrue(usageError("--interface", "lo", "--pattern").startsWith("--interface and --address are required"));
        assertTrue(usageError().contains("--config file"), "says where else the settings may come from");
    }

    @Test
    void badAddressesAreNamed() {
        assertEquals(
                "--address needs a prefix length, e.g. 198.18.0.2/24, not '198.18.0.2'",
                usageError("--interface", "lo", "--address", "198.18.0.2", "--pattern"));
        assertEquals(
                "--address '300.1.1.1/24' is not an IPv4 address with a prefix length",
                usageError("--interface", "lo", "--address", "300.1.1.1/24", "--pattern"));
        assertEquals(
                "--address '198.18.0.2/x' is not an IPv4 address with a prefix length",
                usageError("--interface", "lo", "--address", "198.18.0.2/x", "--pattern"));
        assertEquals(
                "--address prefix length must be 1..32, not 33",
                usageError("--interface", "lo", "--address", "198.18.0.2/33", "--pattern"));
        assertEquals(
                "--mac 'zz' is not a MAC address like 02:00:00:00:00:01", usageError(array(pattern("--mac", "zz"))));
    }

    @Test
    void patternAndDeviceExcludeEachOther() {
        assertEquals(
                "--pattern serves no catalogue: drop the --device options",
                usageError(array(pattern("--device", MISSING_DEVICE))));
        assertTrue(usageError("--interface", "lo", "--address", "198.18.0.2/24")
                .startsWith("name the catalogue to serve with --device PATH"));
    }

    @Test
    void numbersOutOfRangeOrNotNumbers() {
        assertEquals("--port must be between 1 and 65535, not 0", usageError(array(pattern("--port", "0"))));
        assertEquals("--lanes must be between 1 and 64, not 65", usageError(array(pattern("--lanes", "65"))));
        assertEquals("--mss must be between 536 and 9000, not 100", usageError(array(pattern("--mss", "100"))));
        assertEquals(
                "--queue-depth must be between 2 and 4096, not 1", usageError(array(pattern("--queue-depth", "1"))));
        assertEquals("--drain-timeout-s must be at least 1", usageError(array(pattern("--drain-timeout-s", "0"))));
        assertEquals(
                "Invalid value for option '--port': 'http' is not an int",
                usageError(array(pattern("--port", "http"))));
    }

    @Test
    void wordsThatAreNoChoice() {
        assertEquals(
                "--transport must be file, passthru, diskmap or emulated, not 'nvme'",
                usageError(array(pattern("--transport", "nvme"))));
        assertEquals(
                "--congestion must be newreno or cubic, not 'bbr'", usageError(array(pattern("--congestion", "bbr"))));
        assertTrue(usageError(array(pattern("--idle", "sleepy"))).startsWith("--idle: "));
        assertEquals(
                "--management: management address 'nohost' is not host:port, e.g. 127.0.0.1:9100",
                usageError(array(pattern("--management", "nohost"))));
        assertEquals(
                "--management: management port in '127.0.0.1:http' must be a number from 0 to 65535",
                usageError(array(pattern("--management", "127.0.0.1:http"))));
    }

    @Test
    void aBadFaultPlanIsAUsageError() {
        final String problem = usageError(array(pattern("--transport", "emulated", "--emulated-faults", "sometimes")));
        assertTrue(
                problem.startsWith("--emulated-faults: unknown fault term \"sometimes\"; the accepted terms are "),
                problem);
    }

    @Test
    void aMissingDeviceIsAnEnvironmentError() {
        assertEquals(
                "device " + MISSING_DEVICE
                        + " does not exist; format one with './atlas catalogue format', or fix the --device path",
                environmentError("--interface", "lo", "--address", "198.18.0.2/24", "--device", MISSING_DEVICE));
    }

    @Test
    void aMissingInterfaceIsAnEnvironmentError() {
        assertTrue(environmentError("--interface", "atlas-none0", "--address", "198.18.0.2/24", "--pattern")
                .startsWith("no network interface named 'atlas-none0' in this network namespace"));
    }

    @Test
    void aMissingAccessLogDirectoryIsAnEnvironmentError() {
        assertEquals(
                "the access log's directory /nonexistent/atlas-test does not exist",
                environmentError(array(pattern("--access-log", "/nonexistent/atlas-test/access.log"))));
    }

    @Test
    void aMissingStatsFileDirectoryIsAnEnvironmentError() {
        assertEquals(
                "the stats file's directory /nonexistent/atlas-test does not exist",
                environmentError(array(pattern("--stats-file", "/nonexistent/atlas-test/stats.txt"))));
    }

    @Test
    void helpAndVersion() {
        final Outcome help = serve("--help");
        assertEquals(0, help.exitCode(), help::toString);
        assertTrue(help.out().startsWith("Usage: atlas serve "), help::toString);
        assertTrue(help.out().contains("--config=FILE"), help::toString);
        final Outcome version = serve("--version");
        assertEquals(0, version.exitCode(), version::toString);
        assertTrue(version.out().startsWith("atlas serve "), "--version prints the version: " + version);
    }

    // ---------------------------------------------------------------------------------------
    // The configuration file
    // ---------------------------------------------------------------------------------------

    @Test
    void configurationValuesAreUsed() throws IOException {
        final Path file =
                config("# an edge node", "interface = lo", "address = 198.18.0.2/24", "pattern = true", "port = 70000");
        assertEquals("--port must be between 1 and 65535, not 70000", usageError("--config", file.toString()));
        assertEquals("--port must be between 1 and 65535, not 70000", usageError("--config=" + file));
    }

    @Test
    void theCommandLineWinsOverTheFile() throws IOException {
        // The port is checked before the MSS: an MSS error means the port from the command line passed.
        final Path file =
                config("interface = lo", "address = 198.18.0.2/24", "pattern = true", "port = 70000", "mss = 100");
        assertEquals(
                "--mss must be between 536 and 9000, not 100",
                usageError("--config", file.toString(), "--port", "8080"));
        assertEquals(
                "--port must be between 1 and 65535, not 0", usageError("--port", "0", "--config", file.toString()));
    }

    @Test
    void devicesInTheFileAreCommaSeparatedAndReplacedByTheCommandLine() throws IOException {
        final Path file = config(
                "interface = lo",
                "address = 198.18.0.2/24",
                "device = /nonexistent/atlas-test/a.img, /nonexistent/atlas-test/b.img");
        assertTrue(environmentError("--config", file.toString())
                .startsWith("device /nonexistent/atlas-test/a.img does not exist"));
        final Path second = config(
                "interface = lo",
                "address = 198.18.0.2/24",
                "device = " + dir + "/a.img, /nonexistent/atlas-test/b.img");
        Files.createFile(dir.resolve("a.img"));
        assertTrue(
                environmentError("--config", second.toString())
                        .startsWith("device /nonexistent/atlas-test/b.img does not exist"),
                "the second device of the list is checked too");
        assertTrue(environmentError("--config", file.toString(), "--device", "/nonexistent/atlas-test/c.img")
                .startsWith("device /nonexistent/atlas-test/c.img does not exist"));
    }

    @Test
    void aBooleanFromTheFileCounts() throws IOException {
        final Path file = config("interface = lo", "address = 198.18.0.2/24", "pattern = true");
        assertEquals(
                "--pattern serves no catalogue: drop the --device options",
                usageError("--config", file.toString(), "--device", MISSING_DEVICE));
    }

    @Test
    void anUnknownKeyNamesTheFileAndTheSettings() throws IOException {
        final Path file = config("interface = lo", "adress = 198.18.0.2/24");
        final String problem = usageError("--config", file.toString());
        assertTrue(
                problem.startsWith("the configuration file " + file + " sets 'adress', which is no setting"), problem);
        assertTrue(problem.contains("address, buffers"), problem);
        for (String command : List.of("help", "version", "config")) {
            final Path odd = config("interface = lo", command + " = true");
            assertTrue(
                    usageError("--config", odd.toString()).contains("sets '" + command + "', which is no setting"),
                    command + " is a command-line action, not a setting");
        }
    }

    @Test
    void aBadValueInTheFileSaysItCameFromTheFile() throws IOException {
        final Path file = config("interface = lo", "address = 198.18.0.2/24", "pattern = true", "port = http");
        final String problem = usageError("--config", file.toString());
        assertTrue(problem.contains("'http' is not an int") && problem.contains(file.toString()), problem);
        // The same mistake on the command line does not blame the file.
        final String cli = usageError("--config", file.toString(), "--lanes", "two");
        assertTrue(cli.contains("'two' is not an int") && !cli.contains(file.toString()), cli);
    }

    @Test
    void aMissingOrUnreadableFileIsAUsageError() {
        assertEquals(
                "the configuration file " + dir.resolve("none.conf") + " does not exist",
                usageError("--config", dir.resolve("none.conf").toString()));
        assertTrue(usageError("--config", dir.toString()).startsWith("cannot read the configuration file " + dir));
        assertEquals("--config needs a FILE", usageError("--config"));
    }
}
