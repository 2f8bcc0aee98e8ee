package dev.atlas.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Acceptance item 1: {@code promtool check config} and {@code check rules} pass on the shipped
 * files, and {@code promtool test rules} fires every alert on synthetic series of a faulty node
 * while the healthy node of the same test stays quiet.
 */
class PrometheusRulesTest {
    private static final Duration PROMTOOL = Duration.ofSeconds(60);
    /** The rule tests leave each runbook out ("RUNBOOK") and this test fills in the rule's own text. */
    private static final String RUNBOOK_PLACEHOLDER = "RUNBOOK";

    private static List<AlertRules.Alert> alerts;

    @BeforeAll
    static void read() throws IOException {
        Tools.require(false, "promtool");
        alerts = AlertRules.read(DeployFiles.ALERTS);
    }

    @Test
    void rulesPassPromtoolCheck() throws Exception {
        final String out = Tools.check(
                PROMTOOL, DeployFiles.PROMETHEUS, "promtool", "check", "rules", DeployFiles.ALERTS.toString());
        assertTrue(out.contains("SUCCESS: " + alerts.size() + " rules found"), out);
        assertFalse(out.contains("WARNING"), out);
    }

    @Test
    void scrapeConfigPassesPromtoolCheck() throws Exception {
        // The shipped config beside its rules, with a targets file as an operator would list nodes.
        final Path dir = DeployFiles.scratch("check-config");
        Files.copy(DeployFiles.SCRAPE_CONFIG, dir.resolve("prometheus.yml"));
        Files.copy(DeployFiles.ALERTS, dir.resolve("atlas-alerts.yml"));
        Files.createDirectories(dir.resolve("targets"));
        Files.writeString(
                dir.resolve("targets").resolve("atlas-nodes.json"),
                "[{\"targets\": [\"127.0.0.1:9100\"], \"labels\": {\"site\": \"test\"}}]\n");
        final String out = Tools.check(PROMTOOL, dir, "promtool", "check", "config", "prometheus.yml");
        assertTrue(out.contains("SUCCESS: 1 rule files found"), out);
        assertFalse(out.contains("WARNING"), out);
    }

    @Test
    void everyAlertFiresInTheRuleTestsAndHealthyNodesStayQuiet() throws Exception {
        final Path dir = DeployFiles.scratch("test-rules");
        Files.copy(DeployFiles.ALERTS, dir.resolve("atlas-alerts.yml"));
        final Map<String, Object> tests = withRunbooks(readYaml(DeployFiles.ALERT_TESTS));
        final DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        Files.writeString(dir.resolve("atlas-alerts.test.yml"), new Yaml(options).dump(tests));

        final String out = Tools.check(PROMTOOL, dir, "promtool", "test", "rules", "atlas-alerts.test.yml");
        assertTrue(out.contains("SUCCESS"), out);

        // promtool only checks what the tests expect: every alert must be expected to fire somewhere,
        // and somewhere expected quiet (before its `for`, or for a healthy node of the same test).
        final Set<String> firing = new TreeSet<>();
        final Set<String> quiet = new TreeSet<>();
        for (Map<String, Object> test : list(tests.get("tests"))) {
            final boolean hasHealthyNode = list(test.get("input_series")).stream()
                    .anyMatch(s -> ((String) s.get("series")).contains("good:9100")
                            || ((String) s.get("series")).contains("atlas-eu"));
            for (Map<String, Object> eval : list(test.get("alert_rule_test"))) {
                final String name = (String) eval.get("alertname");
                if (list(eval.get("exp_alerts")).isEmpty()) {
                    quiet.add(name);
                } else {
                    firing.add(name);
                    if (hasHealthyNode) {
                        quiet.add(name);
                    }
                }
            }
        }
        final Set<String> names = new TreeSet<>();
        alerts.forEach(a -> names.add(a.name()));
        assertEquals(names, firing, "alerts a rule test expects to fire");
        assertEquals(names, quiet, "alerts a rule test expects to stay quiet");
    }

    @Test
    void everyAlertCarriesSeverityAndRunbook() {
        assertTrue(alerts.size() >= 9, "alerts: " + alerts.size());
        for (AlertRules.Alert alert : alerts) {
            assertTrue(
                    Set.of("critical", "warning").contains(alert.labels().get("severity")),
                    alert.name() + ": severity");
            for (String key : List.of("summary", "description", "runbook")) {
                assertFalse(alert.annotations().getOrDefault(key, "").isBlank(), alert.name() + ": annotation " + key);
            }
            assertTrue(
                    alert.annotations().get("runbook").length() > 200, alert.name() + ": the runbook says what to do");
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object value) {
        return value == null ? List.of() : (List<Map<String, Object>>) value;
    }

    private static Map<String, Object> readYaml(Path file) throws IOException {
        try (Reader in = Files.newBufferedReader(file)) {
            return new Yaml().load(in);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> withRunbooks(Map<String, Object> tests) {
        final Map<String, String> runbooks = new HashMap<>();
        alerts.forEach(a -> runbooks.put(a.name(), a.annotations().get("runbook")));
        for (Map<String, Object> test : list(tests.get("tests"))) {
            for (Map<String, Object> eval : list(test.get("alert_rule_test"))) {
                for (Map<String, Object> expected : list(eval.get("exp_alerts"))) {
                    final Map<String, Object> annotations = (Map<String, Object>) expected.get("exp_annotations");
                    if (annotations != null && RUNBOOK_PLACEHOLDER.equals(annotations.get("runbook"))) {
                        annotations.put("runbook", runbooks.get((String) eval.get("alertname")));
                    }
                }
            }
        }
        return tests;
    }
}
