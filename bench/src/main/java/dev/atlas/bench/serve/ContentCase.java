package dev.atlas.bench.serve;

/** Where the bytes a server sends come from: a set far larger than its memory, or one it holds whole. */
enum ContentCase {
    /** ~0% buffer cache: a set much larger than nginx's memory cgroup, caches dropped before each run. */
    COLD("cold", "0% cache"),
    /** 100% buffer cache: a small set, read once into the page cache before each run. */
    HOT("hot", "100% cache"),
    /**
     * The segments of an HLS ladder made by ffmpeg (several renditions, so sizes from tens of KiB
     * to about a MiB, as a player population at mixed bitrates asks for), 100% buffer cache.
     */
    LADDER("ladder", "HLS ladder, 100% cache");

    private final String id;
    private final String label;

    ContentCase(String id, String label) {
        this.id = id;
        this.label = label;
    }

    /** The name in CSV columns, directories and URLs. */
    String id() {
        return id;
    }

    String label() {
        return label;
    }

    static ContentCase byId(String id) {
        for (ContentCase c : values()) {
            if (c.id.equals(id)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown content case '" + id + "' (cold, hot or ladder)");
    }
}
