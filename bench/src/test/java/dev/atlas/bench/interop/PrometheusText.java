package dev.atlas.bench.interop;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A scraped Prometheus text exposition (format 0.0.4), parsed into samples so tests can sum a
 * metric over its {@code lane} label or pick one series. Comments ({@code # HELP}, {@code # TYPE})
 * are kept out; {@link #text()} is the scrape as received, for promtool and failure messages.
 */
record PrometheusText(String text, List<Sample> samples) {

    /** One line: name, labels in the order written, value. */
    record Sample(String name, Map<String, String> labels, double value) {}

    static PrometheusText parse(String text) {
        final List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            samples.add(parseLine(line));
        }
        return new PrometheusText(text, List.copyOf(samples));
    }

    private static Sample parseLine(String line) {
        final int brace = line.indexOf('{');
        final int space = line.indexOf(' ');
        final Map<String, String> labels = new LinkedHashMap<>();
        final String name;
        int at;
        if (brace >= 0 && brace < space) {
            name = line.substring(0, brace);
            at = brace + 1;
            while (line.charAt(at) != '}') {
                final int eq = line.indexOf('=', at);
                final String key = line.substring(at, eq);
                at = eq + 2; // past ="
                final StringBuilder value = new StringBuilder();
                while (line.charAt(at) != '"') {
                    char c = line.charAt(at++);
                    if (c == '\\') {
                        c = line.charAt(at++);
                        value.append(c == 'n' ? '\n' : c);
                    } else {
                        value.append(c);
                    }
                }
                labels.put(key, value.toString());
                at++; // past the closing quote
                if (line.charAt(at) == ',') {
                    at++;
                }
            }
            at++; // past }
        } else {
            name = line.substring(0, space);
            at = space;
        }
        final String[] rest = line.substring(at).trim().split("\\s+");
        return new Sample(name, labels, Double.parseDouble(rest[0]));
    }

    /** Whether some series of {@code name} exists. */
    boolean has(String name) {
        return samples.stream().anyMatch(s -> s.name().equals(name));
    }

    /**
     * The sum of every series of {@code name} whose labels include {@code labelPairs}
     * ("status", "200", …), e.g. over all lanes; fails if there is none.
     */
    double sum(String name, String... labelPairs) {
        double total = 0;
        boolean found = false;
        for (Sample s : samples) {
            if (s.name().equals(name) && matches(s.labels(), labelPairs)) {
                total += s.value();
                found = true;
            }
        }
        if (!found) {
            throw new AssertionError("no series " + name + " " + List.of(labelPairs) + " in the scrape");
        }
        return total;
    }

    /** {@link #sum} as a whole number (counters of events and bytes are integers). */
    long count(String name, String... labelPairs) {
        final double value = sum(name, labelPairs);
        if (value != Math.rint(value)) {
            throw new AssertionError(name + " " + List.of(labelPairs) + " is " + value + ", not a whole number");
        }
        return (long) value;
    }

    /** The values of {@code label} that series of {@code name} carry (e.g. the lanes). */
    TreeSet<String> labelValues(String name, String label) {
        final TreeSet<String> values = new TreeSet<>();
        for (Sample s : samples) {
            if (s.name().equals(name) && s.labels().containsKey(label)) {
                values.add(s.labels().get(label));
            }
        }
        return values;
    }

    private static boolean matches(Map<String, String> labels, String[] pairs) {
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            if (!pairs[i + 1].equals(labels.get(pairs[i]))) {
                return false;
            }
        }
        return true;
    }
}
