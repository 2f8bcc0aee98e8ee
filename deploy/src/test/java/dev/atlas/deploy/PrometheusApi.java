package dev.atlas.deploy;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/**
 * Prometheus's HTTP API as the tests use it: instant queries and the rule list. The transport is
 * given by the caller (curl inside a namespace, or plain HTTP to a container's mapped port).
 */
final class PrometheusApi {
    /** Fetches {@code path?query} from the Prometheus server and returns the body. */
    @FunctionalInterface
    interface Transport {
        String get(String pathAndQuery) throws IOException, InterruptedException;
    }

    /** An instant query's answer: "success" or "error", the error text and the result vector. */
    record Answer(String status, String error, List<Map<String, Object>> result) {
        boolean ok() {
            return "success".equals(status);
        }

        /** The value of the first sample (vector results only). */
        double firstValue() {
            @SuppressWarnings("unchecked")
            final List<Object> value = (List<Object>) result.getFirst().get("value");
            return Double.parseDouble(value.get(1).toString());
        }
    }

    private final Transport transport;

    PrometheusApi(Transport transport) {
        this.transport = transport;
    }

    @SuppressWarnings("unchecked")
    Answer query(String expr) throws IOException, InterruptedException {
        final Map<String, Object> json =
                parse(transport.get("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)));
        final Map<String, Object> data = (Map<String, Object>) json.get("data");
        final Object result = data == null ? null : data.get("result");
        return new Answer(
                (String) json.get("status"),
                (String) json.get("error"),
                result instanceof List<?> list ? (List<Map<String, Object>>) list : List.of());
    }

    /** Every rule Prometheus loaded, as name → health ("ok", "err", "unknown") plus its last error. */
    @SuppressWarnings("unchecked")
    Map<String, String> ruleHealth() throws IOException, InterruptedException {
        final Map<String, Object> json = parse(transport.get("/api/v1/rules"));
        final Map<String, String> health = new java.util.TreeMap<>();
        for (Map<String, Object> group :
                (List<Map<String, Object>>) ((Map<String, Object>) json.get("data")).get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                final Object error = rule.get("lastError");
                health.put(
                        (String) rule.get("name"),
                        rule.get("health") + (error == null || error.toString().isEmpty() ? "" : ": " + error));
            }
        }
        return health;
    }

    /** The names of the alerts Prometheus has firing now. */
    @SuppressWarnings("unchecked")
    List<String> firingAlerts() throws IOException, InterruptedException {
        final Map<String, Object> json = parse(transport.get("/api/v1/alerts"));
        final List<Map<String, Object>> alerts =
                (List<Map<String, Object>>) ((Map<String, Object>) json.get("data")).get("alerts");
        return alerts.stream()
                .filter(a -> "firing".equals(a.get("state")))
                .map(a -> ((Map<String, String>) a.get("labels")).get("alertname"))
                .toList();
    }

    /** Polls {@code expr} until its first value is {@code expected} or {@code timeout} passes; returns the last answer. */
    Answer awaitValue(String expr, double expected, Duration timeout) throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        Answer answer;
        do {
            answer = query(expr);
            if (answer.ok() && !answer.result().isEmpty() && answer.firstValue() == expected) {
                return answer;
            }
            Thread.sleep(250);
        } while (System.nanoTime() < deadline);
        return answer;
    }

    private static Map<String, Object> parse(String body) throws IOException {
        try {
            return new Yaml().load(body);
        } catch (RuntimeException e) {
            throw new IOException("Prometheus answered something that is not JSON: " + body, e);
        }
    }
}
