package dev.atlas.bench.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The samples of a Prometheus text exposition (what {@code /metrics} returns), enough to pick
 * out a few counters: {@code name{label="value",…} number [timestamp]} lines; comments skipped.
 */
final class PrometheusText {
    /** One sample line. */
    record Sample(String name, Map<String, String> labels, double value) {}

    private final List<Sample> samples;

    private PrometheusText(List<Sample> samples) {
        this.samples = samples;
    }

    static PrometheusText parse(String text) {
        final List<Sample> samples = new ArrayList<>();
        for (String raw : text.lines().toList()) {
            final String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            samples.add(parseLine(line));
        }
        return new PrometheusText(samples);
    }

    List<Sample> samples() {
        return samples;
    }

    boolean has(String name) {
        return samples.stream().anyMatch(s -> s.name().equals(name));
    }

    /** The sum of every sample of {@code name} (over lanes and any other labels); 0 when absent. */
    double sum(String name) {
        double total = 0;
        for (Sample s : samples) {
            if (s.name().equals(name)) {
                total += s.value();
            }
        }
        return total;
    }

    /** The samples of {@code name} summed per value of {@code label}, in label order. */
    Map<String, Double> sumBy(String name, String label) {
        final Map<String, Double> sums = new TreeMap<>();
        for (Sample s : samples) {
            if (s.name().equals(name) && s.labels().containsKey(label)) {
                sums.merge(s.labels().get(label), s.value(), Double::sum);
            }
        }
        return sums;
    }

    /** The largest sample of {@code name} (a max gauge over lanes); 0 when absent. */
    double max(String name) {
        double max = 0;
        for (Sample s : samples) {
            if (s.name().equals(name)) {
                max = Math.max(max, s.value());
            }
        }
        return max;
    }

    private static Sample parseLine(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && !Character.isWhitespace(line.charAt(i))) {
            i++;
        }
        final String name = line.substring(0, i);
        final Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i = parseLabels(line, i + 1, labels);
        }
        final String[] rest = line.substring(i).strip().split("\\s+");
        if (name.isEmpty() || rest.length == 0 || rest[0].isEmpty()) {
            throw new IllegalArgumentException("not a Prometheus sample line: " + line);
        }
        return new Sample(name, labels, number(rest[0], line));
    }

    /** Reads {@code key="value",…}} from {@code i}; returns the index after the closing brace. */
    private static int parseLabels(String line, int i, Map<String, String> labels) {
        while (true) {
            while (i < line.length() && (line.charAt(i) == ',' || line.charAt(i) == ' ')) {
                i++;
            }
            if (i >= line.length()) {
                throw new IllegalArgumentException("unterminated labels in: " + line);
            }
            if (line.charAt(i) == '}') {
                return i + 1;
            }
            final int eq = line.indexOf('=', i);
            if (eq < 0 || eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
                throw new IllegalArgumentException("bad label in: " + line);
            }
            final String key = line.substring(i, eq).strip();
            final StringBuilder value = new StringBuilder();
            int j = eq + 2;
            for (; j < line.length() && line.charAt(j) != '"'; j++) {
                char c = line.charAt(j);
                if (c == '\\' && j + 1 < line.length()) {
                    c = line.charAt(++j);
                    value.append(c == 'n' ? '\n' : c);
                } else {
                    value.append(c);
                }
            }
            if (j >= line.length()) {
                throw new IllegalArgumentException("unterminated label value in: " + line);
            }
            labels.put(key, value.toString());
            i = j + 1;
        }
    }

    private static double number(String text, String line) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> {
                try {
                    yield Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad value '" + text + "' in: " + line, e);
                }
            }
        };
    }
}
