package dev.atlas.bench.interop;

import dev.atlas.bench.netns.Topology;
import dev.atlas.bench.tcp.AtlasServerProcess;
import dev.atlas.catalogue.cli.CatalogueCli;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A catalogue image with known content, served by {@code atlas serve} in the srv namespace of a
 * direct topology, for the operations tests: files of seeded random bytes, the catalogue CLI run
 * in-process, curl in the client namespace (bodies kept on disk and compared byte for byte with
 * the imported file), and curl in the server namespace for the management server.
 * Everything lives under {@code target/ops-tests/} (a disk file system: O_DIRECT needs one)
 * and is removed by {@link #close()}.
 */
final class CatalogueServer implements AutoCloseable {
    private static final Path ROOT = Path.of("target", "ops-tests");
    private static final int WRITE_CHUNK = 1 << 20;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final Path work;
    private final Path image;
    private final AtomicInteger downloads = new AtomicInteger();
    private Topology net;
    private AtlasServerProcess server;

    private CatalogueServer(Path work) {
        this.work = work;
        this.image = work.resolve("catalogue.img");
    }

    /** A fresh work directory and a catalogue image of {@code size} ("128M") formatted on it. */
    static CatalogueServer format(String name, String size) throws IOException {
        Files.createDirectories(ROOT);
        final CatalogueServer fixture =
                new CatalogueServer(Files.createTempDirectory(ROOT, name + "-").toAbsolutePath());
        fixture.cli("format", "-d", fixture.image.toString(), "--size", size);
        return fixture;
    }

    Path work() {
        return work;
    }

    Path image() {
        return image;
    }

    /** Writes {@code size} seeded random bytes to {@code dir/relative}; returns the file. */
    static Path writeFile(Path dir, String relative, long size, long seed) throws IOException {
        final Path file = dir.resolve(relative);
        Files.createDirectories(file.getParent());
        final SplittableRandom random = new SplittableRandom(seed);
        final byte[] chunk = new byte[WRITE_CHUNK];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; ) {
                final int n = (int) Math.min(left, chunk.length);
                for (int i = 0; i < n; i += 8) {
                    long r = random.nextLong();
                    for (int j = i; j < Math.min(i + 8, n); j++, r >>>= 8) {
                        chunk[j] = (byte) r;
                    }
                }
                out.write(chunk, 0, n);
                left -= n;
            }
        }
        return file;
    }

    /** A directory of the work area for content (created). */
    Path dir(String name) throws IOException {
        return Files.createDirectories(work.resolve(name));
    }

    /** Imports a directory tree with {@code atlas-catalogue import} (the catalogue must not be served). */
    void importTree(Path dir) {
        cli("import", "-d", image.toString(), dir.toString());
    }

    private void cli(String... args) {
        final CliRun run = catalogueCli(args);
        if (run.exitCode() != 0) {
            throw new IllegalStateException(
                    "atlas-catalogue " + String.join(" ", args) + " failed (" + run.exitCode() + "): " + run.err());
        }
    }

    /** What an in-process {@code atlas-catalogue} run returned and printed on stderr. */
    record CliRun(int exitCode, String err) {}

    /** Runs {@code atlas-catalogue} in this JVM, capturing what it prints on stderr. */
    static synchronized CliRun catalogueCli(String... args) {
        final PrintStream saved = System.err;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (PrintStream err = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setErr(err);
            final int code = CatalogueCli.run(args);
            err.flush();
            return new CliRun(code, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }

    /** Creates the namespaces and starts the server on the image; {@code extraArgs} go to {@code atlas serve}. */
    CatalogueServer start(String topologyName, List<String> extraArgs) throws IOException, InterruptedException {
        net = Topology.up(Topology.uniqueName(topologyName), Topology.Mode.DIRECT)
                .removeOnExit();
        server = AtlasServerProcess.startCatalogue(
                        net.serverNamespace(),
                        net.serverInterface(),
                        net.serverCidr(),
                        List.of(image),
                        extraArgs,
                        work.resolve("server"))
                .awaitReady(READY_TIMEOUT);
        return this;
    }

    Topology net() {
        return net;
    }

    AtlasServerProcess server() {
        return server;
    }

    // ---------------------------------------------------------------------------------------
    // Management server (curl inside the server's namespace)
    // ---------------------------------------------------------------------------------------

    /** A management answer. */
    record Reply(int status, String body) {
        @Override
        public String toString() {
            return status + " " + body.strip();
        }
    }

    Reply get(String path) throws IOException, InterruptedException {
        return management("GET", path);
    }

    Reply post(String path) throws IOException, InterruptedException {
        return management("POST", path);
    }

    /** {@code POST /admin/catalogue/import?source=<dir>&prefix=<prefix>} ({@code prefix} may be null). */
    Reply adminImport(Path source, String prefix) throws IOException, InterruptedException {
        return post("/admin/catalogue/import?source="
                + encode(source.toAbsolutePath().toString()) + (prefix == null ? "" : "&prefix=" + encode(prefix)));
    }

    Reply adminRemove(String name) throws IOException, InterruptedException {
        return post("/admin/catalogue/rm?name=" + encode(name));
    }

    PrometheusText scrape() throws IOException, InterruptedException {
        final Reply reply = get("/metrics");
        if (reply.status() != 200) {
            throw new IOException("GET /metrics answered " + reply);
        }
        return PrometheusText.parse(reply.body());
    }

    private Reply management(String method, String path) throws IOException, InterruptedException {
        final Process p = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        net.serverNamespace(),
                        "curl",
                        "-sS",
                        "--max-time",
                        "60",
                        "-X",
                        method,
                        "-o",
                        "-",
                        "-w",
                        "\n%{http_code}",
                        server.managementUrl(path))
                .start();
        final CompletableFuture<String> err = readAsync(p.getErrorStream());
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(70, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(method + " " + path + " on the management server failed: "
                    + err.join().strip());
        }
        final int cut = out.lastIndexOf('\n');
        return new Reply(Integer.parseInt(out.substring(cut + 1).strip()), out.substring(0, cut));
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------------------------------
    // Data plane (curl inside the client's namespace)
    // ---------------------------------------------------------------------------------------

    String url(String name) {
        return "http://" + net.serverAddress() + "/" + name;
    }

    /** One curl transfer: curl's exit code, the status and sizes it reported, the body it stored. */
    record Fetched(int exitCode, int status, long bodyBytes, long headBytes, Path body, String stderr) {
        /** A complete 200 whose body is byte for byte {@code expected}. */
        boolean isExactly(Path expected) throws IOException {
            return exitCode == 0 && status == 200 && Files.mismatch(body, expected) == -1L;
        }

        @Override
        public String toString() {
            return "curl exit " + exitCode + ", status " + status + ", " + bodyBytes + " body bytes, " + headBytes
                    + " head bytes" + (stderr.isBlank() ? "" : ", stderr: " + stderr.strip());
        }
    }

    /** A curl that runs in the background; {@link #finish()} waits for it. */
    static final class RunningFetch {
        private final Process process;
        private final Path body;
        private final CompletableFuture<String> out;
        private final CompletableFuture<String> err;

        RunningFetch(Process process, Path body) {
            this.process = process;
            this.body = body;
            this.out = readAsync(process.getInputStream());
            this.err = readAsync(process.getErrorStream());
        }

        boolean isAlive() {
            return process.isAlive();
        }

        /** Bytes of body stored so far. */
        long bytesSoFar() throws IOException {
            return Files.exists(body) ? Files.size(body) : 0;
        }

        /** Waits until {@code bytes} of body have arrived (the transfer is under way). */
        void awaitBytes(long bytes) throws IOException, InterruptedException {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (bytesSoFar() < bytes) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new AssertionError("the download did not get going: " + bytesSoFar() + " bytes after 10 s");
                }
                Thread.sleep(20);
            }
        }

        Fetched finish(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
            final String[] w = out.join().strip().split(" ");
            final boolean reported = w.length == 3;
            return new Fetched(
                    process.exitValue(),
                    reported ? Integer.parseInt(w[0]) : 0,
                    reported ? Long.parseLong(w[1]) : -1,
                    reported ? Long.parseLong(w[2]) : -1,
                    body,
                    err.join());
        }
    }

    /** Starts {@code curl URL} in the client namespace; {@code curlArgs} e.g. {@code --limit-rate 8M}, {@code -r 0-99}, {@code -I}. */
    RunningFetch startFetch(String name, String... curlArgs) throws IOException {
        final Path body =
                Files.createDirectories(work.resolve("downloads")).resolve("body-" + downloads.incrementAndGet());
        final List<String> command = new ArrayList<>(List.of(
                "ip",
                "netns",
                "exec",
                net.clientNamespace(),
                "curl",
                "-sS",
                "--max-time",
                "120",
                "-o",
                body.toString(),
                "-w",
                "%{http_code} %{size_download} %{size_header}"));
        command.addAll(List.of(curlArgs));
        command.add(url(name));
        return new RunningFetch(new ProcessBuilder(command).start(), body);
    }

    Fetched fetch(String name, String... curlArgs) throws IOException, InterruptedException {
        return startFetch(name, curlArgs).finish(Duration.ofSeconds(130));
    }

    /**
     * A download the test holds in flight ({@code paused_get.py}): it reads the first bytes, then
     * stops reading, so the server's response waits at a zero window until {@link #resume()}.
     */
    static final class HeldDownload {
        private final Process process;
        private final Path body;
        private final BufferedReader out;
        private final String paused;

        private HeldDownload(Process process, Path body) throws IOException {
            this.process = process;
            this.body = body;
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.paused = out.readLine();
            if (paused == null || !paused.startsWith("paused ")) {
                process.destroyForcibly();
                throw new IOException("the held download did not start: " + paused);
            }
        }

        boolean isAlive() {
            return process.isAlive();
        }

        /** Reads on to the end; returns the script's last line ("done 200 N" or "FAIL …"). */
        String resume(Duration timeout) throws IOException, InterruptedException {
            process.getOutputStream().write('\n');
            process.getOutputStream().flush();
            final CompletableFuture<String> rest = CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return String.join("\n", out.lines().toList());
                        } catch (RuntimeException e) {
                            return e.toString();
                        }
                    },
                    Thread.ofVirtual()::start);
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return "FAIL still reading after " + timeout;
            }
            return rest.join().strip();
        }

        Path body() {
            return body;
        }

        @Override
        public String toString() {
            return paused;
        }
    }

    /** Starts a held download of {@code name} that stops reading after {@code first} body bytes. */
    HeldDownload startHeld(String name, long first) throws IOException {
        final Path body =
                Files.createDirectories(work.resolve("downloads")).resolve("held-" + downloads.incrementAndGet());
        final Path script = ClientTools.script("paused_get.py", work);
        return new HeldDownload(
                new ProcessBuilder(
                                "ip",
                                "netns",
                                "exec",
                                net.clientNamespace(),
                                "python3",
                                script.toString(),
                                net.serverAddress(),
                                "80",
                                "/" + name,
                                Long.toString(first),
                                body.toString())
                        .redirectErrorStream(true)
                        .start(),
                body);
    }

    private static CompletableFuture<String> readAsync(InputStream in) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try (in) {
                        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        return "";
                    }
                },
                Thread.ofVirtual()::start);
    }

    /** Stops the server (if it still runs), removes the namespaces and the work directory. */
    @Override
    public void close() throws IOException {
        try {
            if (server != null) {
                final int exit = server.stop();
                System.out.println("ops: server exited with " + exit + "\n" + server.logTail());
            }
        } catch (InterruptedException e) {
            server.close();
            Thread.currentThread().interrupt();
        } finally {
            if (net != null) {
                net.close();
            }
            try (Stream<Path> walk = Files.walk(work)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
