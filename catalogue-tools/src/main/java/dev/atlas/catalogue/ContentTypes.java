package dev.atlas.catalogue;

import java.util.Locale;
import java.util.Map;

/**
 * MIME types by file-name extension, as stored in catalogue entries and sent as
 * {@code Content-Type}. One table for the whole project: the CLI stores what it returns, the
 * HTTP layer reuses it for names the catalogue has no type for.
 */
public final class ContentTypes {

    /** What a name without a known extension is served as. */
    public static final String DEFAULT = "application/octet-stream";

    private static final Map<String, String> BY_EXTENSION = Map.ofEntries(
            // streaming manifests and segments
            Map.entry("m3u8", "application/vnd.apple.mpegurl"),
            Map.entry("m3u", "audio/mpegurl"),
            Map.entry("mpd", "application/dash+xml"),
            Map.entry("ts", "video/mp2t"),
            Map.entry("m4s", "video/iso.segment"),
            Map.entry("mp4", "video/mp4"),
            Map.entry("m4v", "video/mp4"),
            Map.entry("m4a", "audio/mp4"),
            Map.entry("cmfv", "video/mp4"),
            Map.entry("cmfa", "audio/mp4"),
            Map.entry("webm", "video/webm"),
            Map.entry("mkv", "video/x-matroska"),
            Map.entry("aac", "audio/aac"),
            Map.entry("mp3", "audio/mpeg"),
            Map.entry("ogg", "audio/ogg"),
            Map.entry("opus", "audio/opus"),
            // subtitles and keys
            Map.entry("vtt", "text/vtt"),
            Map.entry("srt", "application/x-subrip"),
            Map.entry("ttml", "application/ttml+xml"),
            Map.entry("key", "application/octet-stream"),
            // player pages and metadata
            Map.entry("json", "application/json"),
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("htm", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("xml", "application/xml"),
            Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"),
            Map.entry("png", "image/png"),
            Map.entry("gif", "image/gif"),
            Map.entry("webp", "image/webp"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("ico", "image/x-icon"));

    private ContentTypes() {}

    /**
     * The MIME type for a file name or path ({@code "video/720p/seg_00001.ts"}), chosen by the
     * extension after the last dot of the last path element, case-insensitively.
     *
     * @return the type, or {@link #DEFAULT} when the extension is unknown or missing
     */
    public static String forName(String name) {
        final int slash = name.lastIndexOf('/');
        final int dot = name.lastIndexOf('.');
        if (dot <= slash || dot == name.length() - 1) {
            return DEFAULT;
        }
        final String type = BY_EXTENSION.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
        return type != null ? type : DEFAULT;
    }
}
