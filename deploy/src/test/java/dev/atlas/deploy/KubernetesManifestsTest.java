package dev.atlas.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Acceptance item 3 (Kubernetes): the kustomize base and the example overlay, rendered by
 * {@code kubectl kustomize}, pass a schema check against the Kubernetes and Prometheus Operator
 * OpenAPI schemas (the npm packages kubernetes-models and @kubernetes-models/prometheus-operator
 * bundle them: no cluster, no network once installed), and the DaemonSet is what the issue asks
 * for: host network, capabilities rather than privileged, probes on /readyz and /healthz, a
 * draining preStop with a grace period above the drain timeout, requests and limits; the
 * disruption budget takes one node at a time.
 */
class KubernetesManifestsTest {
    private static final Duration INSTALL = Duration.ofMinutes(3);
    private static final Duration RENDER = Duration.ofSeconds(60);
    private static final Set<String> KINDS =
            Set.of("Namespace", "ConfigMap", "Service", "DaemonSet", "ServiceMonitor", "PodDisruptionBudget");
    private static final Pattern KUSTOMIZE_VERSION = Pattern.compile("Kustomize Version: v(\\d+)\\.");
    private static final Path CHECKER_SOURCE = DeployFiles.KUBERNETES.resolve("schema-check");

    private static Path checker;

    @BeforeAll
    static void installChecker() throws Exception {
        Tools.require(false, "kubectl", "node", "npm");
        // The manifests use kustomize's current fields (resources naming a directory, patches,
        // labels): kubectl 1.21 and later embed kustomize 4 or 5; Debian's kubectl 1.20 does not.
        final Matcher kustomize = KUSTOMIZE_VERSION.matcher(
                Tools.run(RENDER, null, "kubectl", "version", "--client").output());
        Tools.requireThat(
                kustomize.find() && Integer.parseInt(kustomize.group(1)) >= 4,
                "kubectl with kustomize v4 or later (kubectl 1.21+)");
        // Installed under target/ once; again only when the lock file changes.
        checker = DeployFiles.DEPLOY.resolve("target").resolve("kubernetes-schema-check");
        Files.createDirectories(checker);
        final Path lock = CHECKER_SOURCE.resolve("package-lock.json");
        final boolean current = Files.isDirectory(checker.resolve("node_modules"))
                && Files.exists(checker.resolve("package-lock.json"))
                && Files.mismatch(lock, checker.resolve("package-lock.json")) == -1L;
        for (String file : List.of("package.json", "package-lock.json", "validate.js")) {
            Files.copy(
                    CHECKER_SOURCE.resolve(file),
                    checker.resolve(file),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        if (!current) {
            Tools.check(INSTALL, checker, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error");
        }
    }

    @Test
    void baseIsValidAndDescribesAnEdgeDaemonSet() throws Exception {
        final List<Map<String, Object>> objects = renderAndValidate(DeployFiles.KUBERNETES.resolve("base"));
        checkDaemonSet(objects, "localhost/atlas:latest", "2");
    }

    @Test
    void overlayIsValidAndChangesImageSettingsAndResources() throws Exception {
        final List<Map<String, Object>> objects =
                renderAndValidate(DeployFiles.KUBERNETES.resolve("overlays").resolve("example-edge"));
        checkDaemonSet(objects, "registry.example.net/video/atlas:0.1.0", "4");
        assertEquals("4", settings(objects).getProperty("lanes"), "the overlay's fleet settings replace the base's");
    }

    @Test
    void schemaCheckRejectsAnInvalidManifest() throws Exception {
        final Path bad = DeployFiles.scratch("kubernetes").resolve("bad.yaml");
        final String daemonSet = Files.readString(
                        DeployFiles.KUBERNETES.resolve("base").resolve("daemonset.yaml"))
                .replace("periodSeconds: 5", "periodSeconds: five");
        assertNotEquals(Files.readString(DeployFiles.KUBERNETES.resolve("base").resolve("daemonset.yaml")), daemonSet);
        Files.writeString(bad, daemonSet);
        final Tools.Result result = Tools.run(RENDER, checker, "node", "validate.js", bad.toString());
        assertEquals(1, result.exitCode(), result::toString);
        assertTrue(result.output().contains("periodSeconds must be integer"), result::toString);
    }

    /** {@code kubectl kustomize DIR}, then the schema check; the rendered objects. */
    private static List<Map<String, Object>> renderAndValidate(Path dir) throws Exception {
        // Into a file: whatever kubectl says on stderr (deprecation notes) stays out of the YAML.
        final Path manifest = DeployFiles.scratch("kubernetes").resolve("rendered.yaml");
        final Tools.Result rendered =
                Tools.run(RENDER, dir, "kubectl", "kustomize", dir.toString(), "--output", manifest.toString());
        assertTrue(rendered.ok(), rendered::toString);
        assertEquals("", rendered.output().strip(), "kubectl kustomize has nothing to say about the files");
        final String yaml = Files.readString(manifest);
        final Tools.Result checked = Tools.run(RENDER, checker, "node", "validate.js", manifest.toString());
        System.out.println("deploy: schema check of " + DeployFiles.DEPLOY.relativize(dir) + ":\n"
                + checked.output().strip());
        assertEquals(0, checked.exitCode(), checked::toString);

        final List<Map<String, Object>> objects = new ArrayList<>();
        for (Object document : new Yaml().loadAll(yaml)) {
            if (document != null) {
                objects.add(map(document));
            }
        }
        final Set<String> kinds = new TreeSet<>();
        objects.forEach(o -> kinds.add((String) o.get("kind")));
        assertEquals(new TreeSet<>(KINDS), kinds);
        assertEquals(
                objects.size(),
                checked.output().lines().filter(l -> l.startsWith("valid ")).count(),
                checked::toString);
        return objects;
    }

    private static void checkDaemonSet(List<Map<String, Object>> objects, String image, String cpus)
            throws IOException {
        final Map<String, Object> spec = map(
                map(map(only(objects, "DaemonSet").get("spec")).get("template")).get("spec"));
        assertEquals(Boolean.TRUE, spec.get("hostNetwork"), "host network");
        final Map<String, Object> atlas = containers(spec).stream()
                .filter(c -> "atlas".equals(c.get("name")))
                .findFirst()
                .orElseThrow();
        assertEquals(image, atlas.get("image"));

        final Map<String, Object> security = map(atlas.get("securityContext"));
        assertFalse(Boolean.TRUE.equals(security.get("privileged")), "not privileged");
        final Map<String, Object> capabilities = map(security.get("capabilities"));
        assertEquals(List.of("ALL"), capabilities.get("drop"));
        assertEquals(List.of("NET_RAW", "IPC_LOCK"), capabilities.get("add"));
        assertEquals(Boolean.TRUE, security.get("runAsNonRoot"));

        assertEquals(
                "/readyz", map(map(atlas.get("readinessProbe")).get("httpGet")).get("path"));
        assertEquals(
                "/healthz", map(map(atlas.get("livenessProbe")).get("httpGet")).get("path"));
        final List<?> preStop = (List<?>)
                map(map(map(atlas.get("lifecycle")).get("preStop")).get("exec")).get("command");
        assertTrue(preStop.contains("drain"), "preStop drains: " + preStop);

        final int drainTimeout = Integer.parseInt(settings(objects).getProperty("drain-timeout-s"));
        final int grace = ((Number) spec.get("terminationGracePeriodSeconds")).intValue();
        assertTrue(grace > drainTimeout, "grace period " + grace + " s above the drain timeout " + drainTimeout + " s");

        final Map<String, Object> resources = map(atlas.get("resources"));
        assertEquals(cpus, map(resources.get("requests")).get("cpu"));
        assertEquals(
                map(resources.get("requests")),
                map(resources.get("limits")),
                "requests = limits (whole cores for the lanes)");

        final Map<String, Object> budget =
                map(only(objects, "PodDisruptionBudget").get("spec"));
        assertEquals(1, budget.get("maxUnavailable"));
        final Map<String, Object> update =
                map(map(only(objects, "DaemonSet").get("spec")).get("updateStrategy"));
        assertEquals(1, map(update.get("rollingUpdate")).get("maxUnavailable"));
    }

    /** The fleet's serve.properties as the generated ConfigMap carries it. */
    private static Properties settings(List<Map<String, Object>> objects) throws IOException {
        final Properties properties = new Properties();
        properties.load(new StringReader(
                (String) map(only(objects, "ConfigMap").get("data")).get("serve.properties")));
        return properties;
    }

    private static Map<String, Object> only(List<Map<String, Object>> objects, String kind) {
        final List<Map<String, Object>> found =
                objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
        assertEquals(1, found.size(), kind);
        return found.getFirst();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> containers(Map<String, Object> podSpec) {
        return (List<Map<String, Object>>) podSpec.get("containers");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }
}
