package dev.atlas.bench.interop;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The client side of the HTTP semantics suite, run in the client namespace: curl for well-formed
 * requests (status, the last header block and the body kept as bytes, plus curl's count of new
 * connections) and a raw-socket Python peer for bytes curl would never send. Both take batches:
 * starting a process in a namespace costs far more than an exchange (a pyenv shim alone takes
 * over a second here), so one curl runs many transfers ({@code --next}, reusing its connection
 * where HTTP allows) and one Python interpreter many raw exchanges.
 *
 * <p>Keeps a tally of every response seen, by status, and of the connections opened, for
 * comparison with the server's own counters.
 */
final class HttpExchanges {
    private final String namespace;
    private final String host;
    private final Path dir;
    private final Path rawPeer;
    private final String python;
    private final Map<Integer, Long> statuses = new TreeMap<>();
    private long malformed;
    private long connections;
    private int serial;

    HttpExchanges(String namespace, String host, Path dir) throws IOException, InterruptedException {
        this.namespace = namespace;
        this.host = host;
        this.dir = Files.createDirectories(dir);
        this.rawPeer = ClientTools.script("http_raw.py", dir);
        this.python = pythonExecutable();
    }

    /** One curl transfer: the request path (percent-encoded) and curl options for it (-H, -X, -I, --http1.0 …). */
    record Transfer(String path, List<String> options) {
        static Transfer of(String path, String... options) {
            return new Transfer(path, List.of(options));
        }

        @Override
        public String toString() {
            return path + " " + options;
        }
    }

    /**
     * What one curl transfer returned. Header names are lower case; a repeated field keeps its
     * values joined by ", ". For HEAD (-I) the body is empty: curl reads none and would write the
     * head into the output file.
     */
    record Exchange(Transfer transfer, int status, Map<String, String> headers, byte[] body, int connects) {
        String header(String name) {
            return headers.get(name);
        }

        @Override
        public String toString() {
            return transfer + " → status " + status + ", " + body.length + " body bytes, headers " + headers;
        }
    }

    /** What the raw peer saw: how the connection ended ("eof", "reset", "idle") and every byte received. */
    record Raw(String ending, byte[] received) {
        String text() {
            return new String(received, StandardCharsets.ISO_8859_1);
        }

        @Override
        public String toString() {
            final String text = text();
            return ending + " after " + received.length + " bytes: "
                    + (text.length() > 600 ? text.substring(0, 600) + "…" : text);
        }
    }

    /** One raw exchange on its own connection: the bytes sent, how long to wait for more, and the piece size (0: one write). */
    record RawRequest(byte[] bytes, double idleSeconds, int chunk) {
        static RawRequest of(String request, double idleSeconds) {
            return new RawRequest(request.getBytes(StandardCharsets.ISO_8859_1), idleSeconds, 0);
        }
    }

    String url(String path) {
        return "http://" + host + path;
    }

    Exchange curl(String path, String... options) throws IOException, InterruptedException {
        return curl(List.of(Transfer.of(path, options))).get(0);
    }

    /**
     * Runs {@code transfers} in one curl process, in order; tallies each status and new connection.
     * A transfer that got no HTTP answer has status 0.
     */
    List<Exchange> curl(List<Transfer> transfers) throws IOException, InterruptedException {
        final List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace, "curl", "-sS"));
        final List<Path[]> files = new ArrayList<>();
        for (int i = 0; i < transfers.size(); i++) {
            final int n = ++serial;
            final Path headFile = dir.resolve("head-" + n);
            final Path bodyFile = dir.resolve("body-" + n);
            files.add(new Path[] {headFile, bodyFile});
            if (i > 0) {
                command.add("--next");
            }
            command.addAll(List.of(
                    "--max-time",
                    "30",
                    "-D",
                    headFile.toString(),
                    "-o",
                    bodyFile.toString(),
                    "-w",
                    "%{http_code} %{num_connects}\\n"));
            command.addAll(transfers.get(i).options());
            command.add(url(transfers.get(i).path()));
        }
        final Process p = new ProcessBuilder(command).start();
        final CompletableFuture<String> err =
                CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()), Thread.ofVirtual()::start);
        final String out = readAll(p.getInputStream());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("curl did not finish: " + transfers);
        }
        final String[] lines = out.strip().split("\n");
        if (lines.length != transfers.size()) {
            throw new IOException("curl reported " + lines.length + " of " + transfers.size() + " transfers (exit "
                    + p.exitValue() + "): " + out + " " + err.join());
        }
        final List<Exchange> exchanges = new ArrayList<>();
        for (int i = 0; i < transfers.size(); i++) {
            final String[] written = lines[i].strip().split(" ");
            final int status = Integer.parseInt(written[0]);
            final int connects = Integer.parseInt(written[1]);
            final Path headFile = files.get(i)[0];
            final Path bodyFile = files.get(i)[1];
            final Map<String, String> headers = Files.exists(headFile)
                    ? lastHead(Files.readString(headFile, StandardCharsets.ISO_8859_1))
                    : Map.of();
            final boolean head = transfers.get(i).options().contains("-I");
            final byte[] body = !head && Files.exists(bodyFile) ? Files.readAllBytes(bodyFile) : new byte[0];
            Files.deleteIfExists(headFile);
            Files.deleteIfExists(bodyFile);
            connections += connects;
            if (status > 0) {
                saw(status);
            }
            exchanges.add(new Exchange(transfers.get(i), status, headers, body, connects));
        }
        return exchanges;
    }

    /** The header fields of the last response head curl wrote with -D (after any 1xx heads). */
    static Map<String, String> lastHead(String dumped) {
        String last = "";
        for (String block : dumped.split("\r\n\r\n")) {
            if (block.startsWith("HTTP/")) {
                last = block;
            }
        }
        final Map<String, String> headers = new LinkedHashMap<>();
        final String[] lines = last.split("\r\n");
        for (int i = 1; i < lines.length; i++) {
            final int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.merge(
                        lines[i].substring(0, colon).toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).strip(),
                        (a, b) -> a + ", " + b);
            }
        }
        return headers;
    }

    Raw raw(String request, double idleSeconds) throws IOException, InterruptedException {
        return raw(List.of(RawRequest.of(request, idleSeconds))).get(0);
    }

    /**
     * Runs each request on a new connection, in order, in one Python process. Responses are not
     * tallied (the caller knows which requests were malformed): see {@link #saw} and
     * {@link #sawMalformed}.
     */
    List<Raw> raw(List<RawRequest> requests) throws IOException, InterruptedException {
        final List<String> command =
                new ArrayList<>(List.of("ip", "netns", "exec", namespace, python, rawPeer.toString(), host, "80"));
        final List<Path> responses = new ArrayList<>();
        final List<Path> scratch = new ArrayList<>();
        double idle = 0;
        for (RawRequest request : requests) {
            final int n = ++serial;
            final Path requestFile = dir.resolve("request-" + n);
            final Path responseFile = dir.resolve("response-" + n);
            Files.write(requestFile, request.bytes());
            command.addAll(List.of(
                    requestFile.toString(),
                    responseFile.toString(),
                    Double.toString(request.idleSeconds()),
                    Integer.toString(request.chunk())));
            responses.add(responseFile);
            scratch.add(requestFile);
            scratch.add(responseFile);
            idle += request.idleSeconds();
        }
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String outcome = ClientTools.finish(p, Duration.ofSeconds(30 + (long) idle));
        connections += requests.size();
        final String[] lines = outcome.startsWith("exit 0: ")
                ? outcome.substring("exit 0: ".length()).split("\n")
                : new String[0];
        if (lines.length != requests.size()) {
            throw new IOException("raw peer failed: " + outcome);
        }
        final List<Raw> raws = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            raws.add(new Raw(lines[i].strip().split(" ")[0], Files.readAllBytes(responses.get(i))));
        }
        for (Path file : scratch) {
            Files.deleteIfExists(file);
        }
        return raws;
    }

    /** What the deep-pipelining peer saw, and how long the exchange took. */
    record Pipelined(Raw raw, double seconds, String note) {}

    /**
     * Sends {@code requests} on one connection while reading the answers (see http_pipeline.py): in
     * one write ({@code piece} 0) or in seeded random pieces of 1..{@code piece} bytes.
     */
    Pipelined pipeline(byte[] requests, double idleSeconds, int piece, long seed, Duration timeout)
            throws IOException, InterruptedException {
        final Path peer = ClientTools.script("http_pipeline.py", dir);
        final int n = ++serial;
        final Path requestFile = dir.resolve("pipelined-" + n);
        final Path responseFile = dir.resolve("pipelined-answers-" + n);
        Files.write(requestFile, requests);
        final Process p = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        namespace,
                        python,
                        peer.toString(),
                        host,
                        "80",
                        requestFile.toString(),
                        responseFile.toString(),
                        Double.toString(idleSeconds),
                        Integer.toString(piece),
                        Long.toString(seed))
                .redirectErrorStream(true)
                .start();
        final String outcome = ClientTools.finish(p, timeout);
        connections++;
        if (!outcome.startsWith("exit 0: ")) {
            throw new IOException("pipelining peer failed: " + outcome);
        }
        final String[] words = outcome.substring("exit 0: ".length()).strip().split(" ", 4);
        final Raw raw = new Raw(words[0], Files.readAllBytes(responseFile));
        Files.deleteIfExists(requestFile);
        Files.deleteIfExists(responseFile);
        return new Pipelined(raw, Double.parseDouble(words[2]), words.length > 3 ? words[3] : "");
    }

    /** Records a response the client saw that the server counts as an answered request. */
    void saw(int status) {
        statuses.merge(status, 1L, Long::sum);
    }

    /** Records the answer to a request the server's parser refused. */
    void sawMalformed(int status) {
        saw(status);
        malformed++;
    }

    /** Adds connections opened by a caller's own curl run (e.g. a config-file run). */
    void connected(long count) {
        connections += count;
    }

    Map<Integer, Long> statuses() {
        return new TreeMap<>(statuses);
    }

    long malformed() {
        return malformed;
    }

    long connections() {
        return connections;
    }

    Path dir() {
        return dir;
    }

    /** The interpreter behind {@code python3} (not a version manager's shim, which costs a second per start). */
    private static String pythonExecutable() throws IOException, InterruptedException {
        final Process p = new ProcessBuilder("python3", "-c", "import sys; print(sys.executable)")
                .redirectErrorStream(true)
                .start();
        final String out = readAll(p.getInputStream()).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS)
                || p.exitValue() != 0
                || out.isEmpty()
                || !Files.isExecutable(Path.of(out))) {
            return "python3";
        }
        return out;
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }
}
