package dev.atlas.deploy;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/**
 * The Grafana dashboard's PromQL: every panel query, with Grafana's variables replaced by what
 * Grafana would send ({@code $instance} by the "All" value, {@code $__rate_interval} by a
 * window that holds several scrapes), and the template variables' own queries.
 */
final class Dashboard {
    /** A window of several scrapes at the tests' one-second interval. */
    static final String RATE_INTERVAL = "30s";

    record Query(String panel, String expr) {}

    private final List<Query> panelQueries = new ArrayList<>();
    private final List<String> variableQueries = new ArrayList<>();

    @SuppressWarnings("unchecked")
    Dashboard(Path file) throws IOException {
        final Map<String, Object> json;
        try (Reader in = Files.newBufferedReader(file)) {
            json = new Yaml().load(in);
        }
        collect((List<Map<String, Object>>) json.get("panels"));
        final Map<String, Object> templating = (Map<String, Object>) json.get("templating");
        for (Map<String, Object> variable : (List<Map<String, Object>>) templating.get("list")) {
            if ("query".equals(variable.get("type"))) {
                final Object query = variable.get("query");
                variableQueries.add(query instanceof Map<?, ?> m ? (String) m.get("query") : (String) query);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void collect(List<Map<String, Object>> panels) {
        for (Map<String, Object> panel : panels) {
            final Object nested = panel.get("panels");
            if (nested instanceof List<?> list) {
                collect((List<Map<String, Object>>) list);
            }
            final Object targets = panel.get("targets");
            if (targets instanceof List<?> list) {
                for (Map<String, Object> target : (List<Map<String, Object>>) list) {
                    panelQueries.add(new Query((String) panel.get("title"), substitute((String) target.get("expr"))));
                }
            }
        }
    }

    private static String substitute(String expr) {
        return expr.replace("$__rate_interval", RATE_INTERVAL).replace("$instance", ".+");
    }

    List<Query> panelQueries() {
        return panelQueries;
    }

    /** The template variables' queries, e.g. {@code label_values(atlas_ready, instance)}. */
    List<String> variableQueries() {
        return variableQueries;
    }
}
