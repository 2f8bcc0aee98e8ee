package dev.atlas.bench.interop;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One HTTP/1.1 response cut from raw bytes (ISO-8859-1 text) as the raw probe received them. */
record Response(int status, Map<String, String> headers, String body) {
    String header(String lowerCaseName) {
        return headers.get(lowerCaseName);
    }

    /**
     * Cuts consecutive responses; {@code hasBody.get(i)} is false for the answer to a HEAD request
     * (its Content-Length describes the GET body, which is not sent).
     */
    static List<Response> split(String raw, List<Boolean> hasBody) {
        final List<Response> responses = new ArrayList<>();
        int at = 0;
        for (boolean body : hasBody) {
            final int headEnd = raw.indexOf("\r\n\r\n", at);
            if (headEnd < 0) {
                break;
            }
            final String[] lines = raw.substring(at, headEnd).split("\r\n");
            final int status = Integer.parseInt(lines[0].split(" ")[1]);
            final Map<String, String> headers = new HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                final int colon = lines[i].indexOf(':');
                headers.put(
                        lines[i].substring(0, colon).toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            at = headEnd + 4;
            final int length = body ? Integer.parseInt(headers.getOrDefault("content-length", "0")) : 0;
            final int end = Math.min(raw.length(), at + length);
            responses.add(new Response(status, headers, raw.substring(at, end)));
            at = end;
        }
        return responses;
    }
}
