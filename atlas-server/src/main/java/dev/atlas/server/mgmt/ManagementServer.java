package dev.atlas.server.mgmt;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.atlas.server.http.HttpStatus;
import dev.atlas.server.lane.Readiness;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The management HTTP server, on the kernel's TCP stack at the management address (never the
 * data-plane address), served by one thread of its own:
 * <ul>
 * <li>{@code GET /metrics}: Prometheus text exposition;</li>
 * <li>{@code GET /healthz}: 200 while the process runs;</li>
 * <li>{@code GET /readyz}: 200 when ready for traffic, 503 while starting or draining;</li>
 * <li>{@code POST /admin/drain}: stop taking new work (readyz turns 503), runs the drain hooks;</li>
 * <li>{@code POST /admin/reload}: runs the reload hooks (catalogue, certificates), 500 if one fails;</li>
 * <li>{@code POST /admin/...}: actions the server adds ({@link #addAdminAction}), e.g. catalogue updates;</li>
 * <li>404 for other paths, 405 with Allow for other methods.</li>
 * </ul>
 * The admin endpoints have no authentication: bind the management address to a private network.
 */
public final class ManagementServer implements AutoCloseable {
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final int OK = HttpStatus.OK.code();
    private static final int BAD_REQUEST = HttpStatus.BAD_REQUEST.code();
    private static final int NOT_FOUND = HttpStatus.NOT_FOUND.code();
    private static final int METHOD_NOT_ALLOWED = HttpStatus.METHOD_NOT_ALLOWED.code();
    private static final int INTERNAL_ERROR = HttpStatus.INTERNAL_SERVER_ERROR.code();
    private static final int UNAVAILABLE = HttpStatus.SERVICE_UNAVAILABLE.code();
    private static final int BACKLOG = 16;
    private static final int MAX_PORT = 65_535;
    private static final long STOP_SECONDS = 1;
    /** Admin requests carry no body; anything larger is read and dropped up to this many bytes. */
    private static final int MAX_DISCARDED_BODY = 64 * 1024;

    private record Endpoint(String method, Handler handler) {}

    /** What an admin endpoint answers: an HTTP status and a short text for the operator. */
    public record AdminResult(int status, String text) {
        public static AdminResult ok(String text) {
            return new AdminResult(OK, text);
        }
    }

    /** An admin action: runs on the management thread with the request's query parameters. */
    @FunctionalInterface
    public interface AdminAction {
        AdminResult run(Map<String, List<String>> parameters) throws Exception;
    }

    @FunctionalInterface
    private interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    private final AtlasMetrics metrics;
    private final Readiness readiness;
    private final List<Runnable> drainHooks = new CopyOnWriteArrayList<>();
    private final List<Map.Entry<String, ReloadHook>> reloadHooks = new CopyOnWriteArrayList<>();
    private final Map<String, Endpoint> endpoints;
    private final HttpServer server;
    private final ExecutorService thread;

    /**
     * Binds the management address; {@link #start()} begins serving.
     *
     * @throws UncheckedIOException with an operator sentence if the address cannot be bound
     */
    public ManagementServer(InetSocketAddress address, AtlasMetrics metrics, Readiness readiness) {
        this.metrics = metrics;
        this.readiness = readiness;
        this.endpoints = new ConcurrentHashMap<>(Map.of(
                "/metrics", new Endpoint("GET", this::metrics),
                "/healthz", new Endpoint("GET", this::health),
                "/readyz", new Endpoint("GET", this::ready),
                "/admin/drain", new Endpoint("POST", this::drain),
                "/admin/reload", new Endpoint("POST", this::reload)));
        try {
            server = HttpServer.create(address, BACKLOG);
        } catch (BindException e) {
            throw new UncheckedIOException(
                    "cannot listen for management on " + describe(address) + ": " + e.getMessage()
                            + "; the port may be in use or the address not on this host; choose another management address or port",
                    e);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot open the management server on " + describe(address) + ": " + e.getMessage(), e);
        }
        thread = Executors.newSingleThreadExecutor(runnable -> {
            Thread t = new Thread(runnable, "atlas-mgmt");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(thread);
        server.createContext("/", this::dispatch);
        metrics.gauge(
                "atlas_ready",
                "1 when the server takes new traffic, 0 while starting or draining.",
                () -> readiness.isReady() ? 1 : 0);
        metrics.gauge("atlas_draining", "1 once a drain has begun.", () -> readiness.isDraining() ? 1 : 0);
    }

    /**
     * Parses a management address "host:port" ("127.0.0.1:9100", "[::1]:9100", "mgmt0.local:9100").
     *
     * @throws IllegalArgumentException with an operator sentence when it is not one
     */
    public static InetSocketAddress parseAddress(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException(
                    "management address '" + hostPort + "' is not host:port, e.g. 127.0.0.1:9100");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > MAX_PORT) {
            throw new IllegalArgumentException(
                    "management port in '" + hostPort + "' must be a number from 0 to 65535");
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException(
                    "management host '" + host + "' does not resolve; use an IP address of this machine");
        }
        return address;
    }

    private static String describe(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    /** Runs when a drain starts (once), on the management thread: tell lanes to refuse new work. */
    public void addDrainHook(Runnable hook) {
        drainHooks.add(hook);
    }

    /** Runs on each POST /admin/reload, in registration order, on the management thread. */
    public void addReloadHook(String name, ReloadHook hook) {
        reloadHooks.add(Map.entry(name, hook));
    }

    /**
     * Adds {@code POST path} running {@code action} (query parameters decoded, repeated ones in
     * order). An exception becomes a 500 whose text is its message: the operator sentence.
     */
    public void addAdminAction(String path, AdminAction action) {
        endpoints.put(path, new Endpoint("POST", exchange -> {
            AdminResult result;
            try {
                result = action.run(
                        QueryParameters.parse(exchange.getRequestURI().getRawQuery()));
            } catch (IllegalArgumentException e) {
                result = new AdminResult(BAD_REQUEST, "bad request: " + e.getMessage());
            } catch (Exception e) {
                result = new AdminResult(INTERNAL_ERROR, "failed: " + e.getMessage());
            }
            respond(
                    exchange,
                    result.status(),
                    TEXT,
                    result.text().endsWith("\n") ? result.text() : result.text() + "\n");
        }));
    }

    public void start() {
        server.start();
    }

    /** The bound address (with the real port when port 0 was asked for). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        thread.shutdown();
        try {
            thread.awaitTermination(STOP_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void dispatch(HttpExchange exchange) throws IOException {
        try (exchange) {
            discardBody(exchange.getRequestBody());
            Endpoint endpoint = endpoints.get(exchange.getRequestURI().getPath());
            if (endpoint == null) {
                respond(
                        exchange,
                        NOT_FOUND,
                        TEXT,
                        "no such management endpoint; try /metrics, /healthz, /readyz, "
                                + "POST /admin/drain, POST /admin/reload or POST /admin/catalogue/import|rm\n");
                return;
            }
            String method = exchange.getRequestMethod();
            boolean head = "HEAD".equals(method) && "GET".equals(endpoint.method());
            if (!endpoint.method().equals(method) && !head) {
                exchange.getResponseHeaders()
                        .set("Allow", "GET".equals(endpoint.method()) ? "GET, HEAD" : endpoint.method());
                respond(exchange, METHOD_NOT_ALLOWED, TEXT, "use " + endpoint.method() + "\n");
                return;
            }
            endpoint.handler().handle(exchange);
        }
    }

    private void metrics(HttpExchange exchange) throws IOException {
        respond(exchange, OK, PROMETHEUS_TEXT, metrics.scrape());
    }

    private void health(HttpExchange exchange) throws IOException {
        respond(exchange, OK, TEXT, "ok\n");
    }

    private void ready(HttpExchange exchange) throws IOException {
        if (readiness.isReady()) {
            respond(exchange, OK, TEXT, "ready\n");
        } else {
            respond(exchange, UNAVAILABLE, TEXT, readiness.isDraining() ? "draining\n" : "starting\n");
        }
    }

    private void drain(HttpExchange exchange) throws IOException {
        if (readiness.startDrain()) {
            for (Runnable hook : drainHooks) {
                hook.run();
            }
            respond(exchange, OK, TEXT, "draining: new requests are refused with 503\n");
        } else {
            respond(exchange, OK, TEXT, "already draining\n");
        }
    }

    private void reload(HttpExchange exchange) throws IOException {
        StringBuilder report = new StringBuilder();
        int status = OK;
        for (Map.Entry<String, ReloadHook> hook : reloadHooks) {
            String outcome;
            try {
                outcome = hook.getValue().reload();
            } catch (Exception e) {
                // The hook's message is the operator sentence; the old state stays in service.
                outcome = "failed: " + e.getMessage();
                status = INTERNAL_ERROR;
            }
            report.append(hook.getKey()).append(": ").append(outcome).append('\n');
        }
        if (reloadHooks.isEmpty()) {
            report.append("nothing to reload\n");
        }
        respond(exchange, status, TEXT, report.toString());
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static void discardBody(InputStream body) throws IOException {
        long skipped = 0;
        byte[] scratch = new byte[4096];
        int n;
        while (skipped < MAX_DISCARDED_BODY && (n = body.read(scratch)) > 0) {
            skipped += n;
        }
    }
}
