package dev.atlas.deploy;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/** The alerting rules of {@code atlas-alerts.yml} as the tests read them. */
final class AlertRules {
    record Alert(String name, String expr, Map<String, String> labels, Map<String, String> annotations) {}

    private AlertRules() {}

    @SuppressWarnings("unchecked")
    static List<Alert> read(Path file) throws IOException {
        final Map<String, Object> document;
        try (Reader in = Files.newBufferedReader(file)) {
            document = new Yaml().load(in);
        }
        final List<Alert> alerts = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) document.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                if (rule.containsKey("alert")) {
                    alerts.add(new Alert(
                            (String) rule.get("alert"),
                            ((String) rule.get("expr")).strip(),
                            (Map<String, String>) rule.getOrDefault("labels", Map.of()),
                            (Map<String, String>) rule.getOrDefault("annotations", Map.of())));
                }
            }
        }
        return alerts;
    }
}
