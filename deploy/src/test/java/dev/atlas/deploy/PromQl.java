package dev.atlas.deploy;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The little of PromQL the tests need to see: the metric names an expression reads, and an
 * alert condition turned into a 0/1 series ({@code bool} after each comparison), which has a
 * series wherever the condition could be decided, firing or not.
 */
final class PromQl {
    /** Metric names of the exporters Atlas uses: its own, Micrometer's JVM and process meters. */
    private static final Pattern METRIC =
            Pattern.compile("(?<![A-Za-z0-9_:])((?:atlas|jvm|process|system)_[a-z0-9_]+|up)(?![A-Za-z0-9_:(])");

    private PromQl() {}

    /** The metric names in {@code expr}, outside label matchers and strings. */
    static Set<String> metricNames(String expr) {
        final Set<String> names = new TreeSet<>();
        final Matcher m = METRIC.matcher(outsideMatchersAndStrings(expr));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** {@code expr} with every comparison at the top of label-matcher nesting given the {@code bool} modifier. */
    static String asCondition(String expr) {
        final StringBuilder out = new StringBuilder(expr.length() + 16);
        int braces = 0;
        char quote = 0;
        for (int i = 0; i < expr.length(); i++) {
            final char c = expr.charAt(i);
            out.append(c);
            if (quote != 0) {
                if (c == '\\' && i + 1 < expr.length()) {
                    out.append(expr.charAt(++i));
                } else if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            switch (c) {
                case '"', '\'', '`' -> quote = c;
                case '{' -> braces++;
                case '}' -> braces--;
                case '=', '!', '>', '<' -> {
                    if (braces > 0) {
                        break;
                    }
                    final char next = i + 1 < expr.length() ? expr.charAt(i + 1) : ' ';
                    final boolean twoChars = next == '=';
                    if (c == '=' && !twoChars || c == '!' && !twoChars) {
                        break; // not a comparison (e.g. a stray '=' the parser will report)
                    }
                    if (twoChars) {
                        out.append(next);
                        i++;
                    }
                    if (!expr.substring(i + 1).stripLeading().startsWith("bool")) {
                        out.append(" bool");
                    }
                }
                default -> {}
            }
        }
        return out.toString();
    }

    private static String outsideMatchersAndStrings(String expr) {
        final StringBuilder out = new StringBuilder(expr.length());
        int braces = 0;
        char quote = 0;
        for (int i = 0; i < expr.length(); i++) {
            final char c = expr.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
                out.append(' ');
                continue;
            }
            if (c == '"' || c == '\'' || c == '`') {
                quote = c;
                out.append(' ');
            } else if (c == '{') {
                braces++;
                out.append(' ');
            } else if (c == '}') {
                braces--;
                out.append(' ');
            } else {
                out.append(braces > 0 ? ' ' : c);
            }
        }
        return out.toString();
    }
}
