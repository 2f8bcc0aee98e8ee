package dev.atlas.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.Capability;
import dev.atlas.bench.netns.Topology;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.containers.wait.strategy.LogMessageWaitStrategy;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.images.builder.Transferable;

/**
 * Acceptance item 4. Testcontainers (on rootful Podman's Docker-compatible API) builds the image
 * from {@code deploy/container/Containerfile} on the debootstrap base ({@code build-image} makes
 * the base once and the context each run) and runs Atlas in it as the unprivileged user with
 * only NET_RAW and IPC_LOCK. A veth pair joins a client namespace to the container: its inner end
 * is handed in once the container runs (the launcher waits for it). curl in the client namespace
 * downloads a segment byte for byte; the management port, mapped to the host, serves
 * {@code /metrics} with that download counted; a second container runs Prometheus (the host's
 * Debian binary on the same base) with the shipped configuration and scrapes the first over a
 * container network. Last, atlas-admin in the image (a pod's preStop) drains the server, which
 * exits 0.
 */
@Tag("root")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainerImageTest {
    private static final String ATLAS_IMAGE = "localhost/atlas-deploy-test:latest";
    private static final String BASE_IMAGE = "localhost/atlas-base:bookworm";
    private static final String PODMAN_SOCKET = "/run/podman/podman.sock";
    private static final String DATA_INTERFACE = "ds0";
    private static final String CLIENT_INTERFACE = "dc0";
    private static final String CLIENT_ADDRESS = "198.18.0.1/24";
    private static final String SERVICE_ADDRESS = "198.18.0.2";
    private static final String NODE_ALIAS = "atlas-node";
    private static final int MANAGEMENT_PORT = 9100;
    private static final int PROMETHEUS_PORT = 9090;
    private static final Duration BUILD = Duration.ofMinutes(4);
    private static final Duration COMMAND = Duration.ofSeconds(30);
    private static final Duration START = Duration.ofSeconds(60);
    private static final Pattern RESPONSE_BYTES =
            Pattern.compile("(?m)^atlas_http_response_bytes_total\\{[^}]*} ([0-9.E+]+)$");

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Path work;
    private TestCatalogue catalogue;
    private String clientNamespace;
    private Network network;
    private GenericContainer<?> atlas;
    private GenericContainer<?> prometheus;

    @BeforeAll
    void build() throws Exception {
        Tools.require(true, "podman", "debootstrap", "ip", "ethtool", "curl", "nsenter", "prometheus", "python3");
        Tools.requireThat(
                Tools.run(COMMAND, null, "curl", "-sf", "--unix-socket", PODMAN_SOCKET, "http://podman/_ping")
                        .ok(),
                "Podman's API on " + PODMAN_SOCKET + " (podman system service)");
        work = DeployFiles.scratch("container");
        final Path context = Files.createDirectories(work.resolve("context"));
        final long started = System.nanoTime();
        Tools.Result made = Tools.run(
                BUILD,
                DeployFiles.REPOSITORY,
                Map.of(),
                List.of(DeployFiles.CONTAINER.resolve("build-image").toString(), "--context-only", context.toString()));
        assertTrue(made.ok(), made::toString);
        System.out.printf(
                "deploy: base image and build context ready in %.1f s%n", (System.nanoTime() - started) / 1e9);
        catalogue = TestCatalogue.make(work);
        // The container's user (uid 10001) reads the catalogue and takes its lock.
        Files.setPosixFilePermissions(catalogue.image(), PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        made = Tools.run(
                COMMAND,
                null,
                Map.of(),
                List.of(DeployFiles.CONTAINER.resolve("seccomp-profile").toString()));
        assertTrue(made.ok(), made::toString);
        Files.writeString(work.resolve("seccomp.json"), made.output());
        network = Network.newNetwork();
    }

    @AfterAll
    void down() throws Exception {
        if (prometheus != null) {
            prometheus.stop();
        }
        if (atlas != null) {
            atlas.stop();
        }
        if (network != null) {
            network.close();
        }
        // The base image stays cached for the next run; the image built here would only pile up.
        Tools.run(COMMAND, null, "podman", "rmi", "--force", ATLAS_IMAGE);
        if (clientNamespace != null) {
            Tools.run(COMMAND, null, "ip", "netns", "del", clientNamespace);
        }
        DeployFiles.remove(work);
    }

    @Test
    void atlasServesFromItsImageAndPrometheusInAContainerScrapesIt() throws Exception {
        final long started = System.nanoTime();
        final ImageFromDockerfile image = new ImageFromDockerfile(ATLAS_IMAGE, false)
                .withFileFromPath(".", work.resolve("context"))
                .withDockerfilePath("Containerfile");
        atlas = new GenericContainer<>(image)
                .withNetwork(network)
                .withNetworkAliases(NODE_ALIAS)
                .withExposedPorts(MANAGEMENT_PORT)
                .withEnv("ATLAS_WAIT_FOR_INTERFACE", DATA_INTERFACE)
                .withCopyToContainer(
                        Transferable.of(String.join(
                                "\n",
                                "interface = " + DATA_INTERFACE,
                                "address = " + SERVICE_ADDRESS + "/24",
                                "device = /var/lib/atlas/catalogue.img",
                                "management = 0.0.0.0:" + MANAGEMENT_PORT,
                                "lanes = 1",
                                "")),
                        "/etc/atlas/serve.properties")
                .withFileSystemBind(catalogue.image().toString(), "/var/lib/atlas/catalogue.img", BindMode.READ_WRITE)
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
                        .withCapAdd(Capability.NET_RAW, Capability.IPC_LOCK)
                        .withSecurityOpts(List.of("seccomp=" + work.resolve("seccomp.json"))))
                .waitingFor(new DataPlaneHandedIn())
                .withStartupTimeout(START);
        atlas.start();
        System.out.printf(
                "deploy: image built and Atlas serving in its container after %.1f s; image size %s%n",
                (System.nanoTime() - started) / 1e9, imageSize(ATLAS_IMAGE));

        // The process runs as the image's user with exactly the two capabilities.
        final String status = atlas.execInContainer("cat", "/proc/1/status").getStdout();
        assertTrue(status.contains("\nUid:\t10001\t10001\t10001\t10001"), status);
        assertTrue(status.contains("\nCapEff:\t0000000000006000"), "CAP_NET_RAW and CAP_IPC_LOCK only:\n" + status);

        final Path body = work.resolve("downloaded.ts");
        final Tools.Result curl = Tools.run(
                COMMAND,
                null,
                Map.of(),
                List.of(
                        "ip",
                        "netns",
                        "exec",
                        clientNamespace,
                        "curl",
                        "-sS",
                        "--max-time",
                        "20",
                        "-o",
                        body.toString(),
                        "-w",
                        "%{http_code} %{size_download} %{size_header}",
                        "http://" + SERVICE_ADDRESS + "/" + catalogue.name()));
        assertTrue(curl.ok(), () -> curl + "\n" + atlas.getLogs());
        final String[] reported = curl.output().strip().split(" ");
        assertEquals("200", reported[0], curl::toString);
        assertEquals(
                -1L, Files.mismatch(body, catalogue.segment()), "the download is the catalogue's file byte for byte");
        final long served = Long.parseLong(reported[1]) + Long.parseLong(reported[2]);

        final String metrics = get("http://localhost:" + atlas.getMappedPort(MANAGEMENT_PORT) + "/metrics");
        assertTrue(
                metrics.contains("atlas_http_requests_total{lane=\"0\",outcome=\"completed\",status=\"200\"} 1.0"),
                metrics);
        final Matcher bytes = RESPONSE_BYTES.matcher(metrics);
        assertTrue(bytes.find(), metrics);
        assertEquals(
                served, (long) Double.parseDouble(bytes.group(1)), "response bytes on /metrics = curl's head + body");

        startPrometheus();
        final PrometheusApi api =
                new PrometheusApi(path -> get("http://localhost:" + prometheus.getMappedPort(PROMETHEUS_PORT) + path));
        final PrometheusApi.Answer up = api.awaitValue(
                "up{job=\"atlas\",instance=\"" + NODE_ALIAS + ":" + MANAGEMENT_PORT + "\"}", 1, Duration.ofSeconds(30));
        assertTrue(up.ok() && !up.result().isEmpty() && up.firstValue() == 1, () -> up + "\n" + prometheus.getLogs());
        final PrometheusApi.Answer sent =
                api.awaitValue("sum(atlas_http_response_bytes_total)", served, Duration.ofSeconds(15));
        assertTrue(sent.ok() && !sent.result().isEmpty(), sent::toString);
        assertEquals(
                served, (long) sent.firstValue(), "Prometheus in its container scraped the bytes the download got");

        // A pod's preStop: atlas-admin in the image drains the server, which then exits 0 by itself.
        final var drain =
                atlas.execInContainer("/opt/atlas/bin/atlas-admin", "--config", "/etc/atlas/serve.properties", "drain");
        assertEquals(0, drain.getExitCode(), drain::toString);
        final long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (atlas.getCurrentContainerInfo().getState().getRunning() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertEquals(0L, atlas.getCurrentContainerInfo().getState().getExitCodeLong(), atlas::getLogs);
    }

    /**
     * Prometheus from the host's Debian package, bind-mounted into a container of the same base
     * image (nothing to build), with the shipped configuration and rules.
     */
    private void startPrometheus() throws IOException {
        final String config = Files.readString(DeployFiles.SCRAPE_CONFIG)
                .replace("scrape_interval: 15s", "scrape_interval: 1s")
                .replace("evaluation_interval: 15s", "evaluation_interval: 1s")
                .replace("scrape_timeout: 5s", "scrape_timeout: 1s");
        prometheus = new GenericContainer<>(BASE_IMAGE)
                .withNetwork(network)
                .withExposedPorts(PROMETHEUS_PORT)
                .withFileSystemBind("/usr/bin/prometheus", "/usr/local/bin/prometheus", BindMode.READ_ONLY)
                .withCopyToContainer(Transferable.of(config), "/etc/prometheus/prometheus.yml")
                .withCopyToContainer(
                        Transferable.of(Files.readString(DeployFiles.ALERTS)), "/etc/prometheus/atlas-alerts.yml")
                .withCopyToContainer(
                        Transferable.of("[{\"targets\": [\"" + NODE_ALIAS + ":" + MANAGEMENT_PORT + "\"]}]\n"),
                        "/etc/prometheus/targets/atlas-test.json")
                .withCreateContainerCmdModifier(cmd -> cmd.withUser("65534:65534"))
                .withCommand(
                        "/usr/local/bin/prometheus",
                        "--config.file=/etc/prometheus/prometheus.yml",
                        "--storage.tsdb.path=/tmp/prometheus",
                        "--web.listen-address=0.0.0.0:" + PROMETHEUS_PORT)
                .waitingFor(Wait.forHttp("/-/ready").forPort(PROMETHEUS_PORT))
                .withStartupTimeout(START);
        prometheus.start();
    }

    private String get(String url) throws IOException, InterruptedException {
        final HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + url + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    private static String imageSize(String image) throws IOException, InterruptedException {
        final Tools.Result size =
                Tools.run(COMMAND, null, "podman", "image", "inspect", "--format", "{{.Size}}", image);
        return size.ok() ? Math.round(Double.parseDouble(size.output().strip()) / 1e6) + " MB" : "unknown";
    }

    /**
     * Once the container runs, hands it the inner end of a veth pair whose outer end is in a new
     * client namespace (as a CNI plugin would attach a data-plane interface), then waits for the
     * server's start-up line.
     */
    private final class DataPlaneHandedIn extends AbstractWaitStrategy {
        @Override
        protected void waitUntilReady() {
            try {
                final long pid =
                        waitStrategyTarget.getContainerInfo().getState().getPidLong();
                clientNamespace = Topology.uniqueName("dctr");
                Tools.check(COMMAND, null, "ip", "netns", "add", clientNamespace);
                Tools.check(
                        COMMAND,
                        null,
                        "ip",
                        "link",
                        "add",
                        CLIENT_INTERFACE,
                        "netns",
                        clientNamespace,
                        "type",
                        "veth",
                        "peer",
                        "name",
                        DATA_INTERFACE,
                        "netns",
                        Long.toString(pid));
                Tools.check(
                        COMMAND,
                        null,
                        "nsenter",
                        "-t",
                        Long.toString(pid),
                        "-n",
                        "sysctl",
                        "-q",
                        "-w",
                        "net.ipv6.conf." + DATA_INTERFACE + ".disable_ipv6=1");
                Tools.check(
                        COMMAND,
                        null,
                        "nsenter",
                        "-t",
                        Long.toString(pid),
                        "-n",
                        "ip",
                        "link",
                        "set",
                        DATA_INTERFACE,
                        "up");
                Tools.check(
                        COMMAND,
                        null,
                        "ip",
                        "-n",
                        clientNamespace,
                        "addr",
                        "add",
                        CLIENT_ADDRESS,
                        "dev",
                        CLIENT_INTERFACE);
                Tools.check(COMMAND, null, "ip", "-n", clientNamespace, "link", "set", CLIENT_INTERFACE, "up");
                // The client's frames must carry finished checksums: Atlas does not complete them.
                Tools.check(
                        COMMAND,
                        null,
                        "ip",
                        "netns",
                        "exec",
                        clientNamespace,
                        "ethtool",
                        "-K",
                        CLIENT_INTERFACE,
                        "tx",
                        "off");
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(
                        "could not hand the data-plane interface to the container: " + e.getMessage(), e);
            }
            new LogMessageWaitStrategy()
                    .withRegEx(".*atlas serve: catalogue .* management on .*\\n")
                    .withTimes(1)
                    .withStartupTimeout(startupTimeout)
                    .waitUntilReady(waitStrategyTarget);
        }
    }
}
