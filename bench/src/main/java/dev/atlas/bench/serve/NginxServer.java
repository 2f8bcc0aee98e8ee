package dev.atlas.bench.serve;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The nginx baseline: the configuration template filled in for this run, the master process
 * started inside the memory cgroup (so the page cache it fills is charged there and bounded) and
 * inside the server namespace, on the kernel's address. CPU is the sum over every process in the
 * cgroup (master and workers, with their aio threads).
 */
final class NginxServer implements MeasuredServer {
    private static final String TEMPLATE = "nginx.conf.template";

    private final ServerKind kind;
    private final String host;
    private final Process process;
    private final MemoryCgroup cgroup;
    private final Path work;
    private final String commandLine;

    private NginxServer(
            ServerKind kind, String host, Process process, MemoryCgroup cgroup, Path work, String commandLine) {
        this.kind = kind;
        this.host = host;
        this.process = process;
        this.cgroup = cgroup;
        this.work = work;
        this.commandLine = commandLine;
    }

    /**
     * Starts nginx in {@code namespace} listening on {@code host}, serving {@code root}, with {@code workers} worker
     * processes; an HTTPS kind presents {@code certificate} (the one Atlas presents too).
     */
    static NginxServer start(
            ServerKind kind,
            String namespace,
            String host,
            Path root,
            int workers,
            MemoryCgroup cgroup,
            RunCertificate certificate,
            Path work)
            throws IOException, InterruptedException {
        Files.createDirectories(work.resolve("temp"));
        final String tls = kind.isHttps() ? tlsLines(host, certificate) : "";
        final Path conf = work.resolve("nginx-" + kind.id() + ".conf");
        Files.writeString(conf, config(workers, work, host, root, tls));
        final List<String> nginx = List.of(
                "ip",
                "netns",
                "exec",
                namespace,
                "nginx",
                "-p",
                work.toString(),
                "-c",
                conf.toString(),
                "-e",
                work.resolve("error.log").toString(),
                "-g",
                "daemon off;");
        final List<String> command = cgroup.joinAndExec(nginx);
        final Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        work.resolve("nginx.out").toFile()))
                .start();
        final NginxServer server = new NginxServer(kind, host, process, cgroup, work, String.join(" ", command));
        // A configuration error ends the master at once; give it that moment.
        if (process.waitFor(300, TimeUnit.MILLISECONDS)) {
            throw new IOException("nginx exited with status " + process.exitValue() + " at start: " + server.errors());
        }
        return server;
    }

    /** The template with its placeholders filled in. */
    static String config(int workers, Path work, String host, Path root, String tls) throws IOException {
        final String template;
        try (InputStream in = NginxServer.class.getResourceAsStream(TEMPLATE)) {
            if (in == null) {
                throw new IOException(
                        "the nginx configuration template " + TEMPLATE + " is missing from the bench jar");
            }
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return template.replace("@WORKERS@", Integer.toString(workers))
                .replace("@WORK@", work.toString())
                .replace("@ADDRESS@", host)
                .replace("@ROOT@", root.toString())
                .replace("@TLS@", tls);
    }

    /**
     * The HTTPS listener: TLS 1.3 with AES-128-GCM (the suite Atlas seals with in the same run), the run's certificate.
     *
     * <p>What nginx does with it here: this kernel has no kTLS, so {@code sendfile} cannot carry TLS records and nginx
     * falls back to reading each file into its output buffers (still off the worker with {@code aio threads}, so a cold
     * miss does not block it), sealing them with OpenSSL in userspace ({@code SSL_write}, one 16 KiB record at a time)
     * and writing the ciphertext to the socket: two copies and the encryption per byte, against none with HTTP. Its
     * output buffers stay at the default (2 × 32 KiB per request): 2 × 256 KiB would hold 2 GB in the memory cgroup at
     * 4,000 connections. TLS 1.2 stays allowed as on a real edge; every client here offers 1.3.
     */
    static String tlsLines(String host, RunCertificate certificate) {
        return "        listen " + host + ":" + ServerKind.NGINX_HTTPS.port() + " ssl backlog=8192;\n"
                + "        ssl_certificate " + certificate.chain() + ";\n"
                + "        ssl_certificate_key " + certificate.key() + ";\n"
                + "        ssl_protocols TLSv1.2 TLSv1.3;\n"
                // OpenSSL would pick AES-256-GCM for TLS 1.3 when the client lists it first; hold it to AES-128-GCM.
                + "        ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;\n"
                + "        ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256;\n"
                + "        ssl_prefer_server_ciphers on;\n"
                + "        ssl_session_cache shared:bench:10m;\n";
    }

    @Override
    public ServerKind kind() {
        return kind;
    }

    @Override
    public String host() {
        return host;
    }

    /** The master with the workers it has reaped (a worker killed and respawned keeps counting), plus the live workers. */
    @Override
    public double cpuSeconds() {
        final long master = process.pid();
        double sum = HostSample.processCpuSecondsWithReapedChildren(master);
        try {
            for (long pid : cgroup.pids()) {
                if (pid != master) {
                    sum += HostSample.processCpuSeconds(pid);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot list nginx's processes in cgroup " + cgroup.name() + ": " + e.getMessage(), e);
        }
        return sum;
    }

    /** {@code oomKills}: processes of the cgroup the kernel killed for memory so far (a cgroup limit set too low). */
    @Override
    public Map<String, Long> counters() {
        return Map.of("oomKills", cgroup.oomKills());
    }

    @Override
    public String commandLine() {
        return commandLine;
    }

    /** Sets the memory limit of nginx's cgroup (between runs; the page cache it holds counts). */
    void limitMemory(long bytes) throws IOException {
        cgroup.limit(bytes);
    }

    /** What nginx wrote to its error log and stdout, for failure messages. */
    String errors() {
        final List<String> parts = new ArrayList<>();
        for (String name : List.of("error.log", "nginx.out")) {
            try {
                final String text = Files.readString(work.resolve(name)).strip();
                if (!text.isEmpty()) {
                    parts.add(text);
                }
            } catch (IOException absent) {
                // nothing written there
            }
        }
        return parts.isEmpty() ? "(nginx wrote nothing)" : String.join("\n", parts);
    }

    /** SIGTERM to the master (it stops its workers), then SIGKILL to whatever is left in the cgroup. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
            for (int attempt = 0; attempt < 50 && !cgroup.pids().isEmpty(); attempt++) {
                for (long pid : cgroup.pids()) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
                Thread.sleep(100);
            }
        } catch (IOException e) {
            System.err.println("bench serve: cannot check nginx's cgroup " + cgroup.name() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
