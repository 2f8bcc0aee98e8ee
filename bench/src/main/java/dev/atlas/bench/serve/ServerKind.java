package dev.atlas.bench.serve;

/** The servers a run compares, by the name {@code --servers} takes. */
enum ServerKind {
    ATLAS_1_LANE("atlas-1lane", "Atlas HTTP, 1 lane", "http", true),
    ATLAS_2_LANES("atlas-2lanes", "Atlas HTTP, 2 lanes", "http", true),
    /** HTTP on port 80 and HTTPS on 443 at once; measured on 443 (see {@link AtlasServer#httpsArguments}). */
    ATLAS_HTTPS("atlas-https", "Atlas HTTPS, 1 lane", "https", true),
    NGINX("nginx", "nginx HTTP (sendfile, aio threads)", "http", false),
    NGINX_HTTPS("nginx-https", "nginx HTTPS (OpenSSL)", "https", false);

    private final String id;
    private final String label;
    private final String scheme;
    private final boolean atlas;

    ServerKind(String id, String label, String scheme, boolean atlas) {
        this.id = id;
        this.label = label;
        this.scheme = scheme;
        this.atlas = atlas;
    }

    String id() {
        return id;
    }

    String label() {
        return label;
    }

    String scheme() {
        return scheme;
    }

    int port() {
        return isHttps() ? 443 : 80;
    }

    boolean isHttps() {
        return "https".equals(scheme);
    }

    boolean isAtlas() {
        return atlas;
    }

    /** Lanes of an Atlas server. */
    int lanes() {
        return this == ATLAS_2_LANES ? 2 : 1;
    }

    /** The nginx row an Atlas row is compared with (same scheme). */
    ServerKind baseline() {
        return isHttps() ? NGINX_HTTPS : NGINX;
    }

    static ServerKind byId(String id) {
        for (ServerKind k : values()) {
            if (k.id.equals(id)) {
                return k;
            }
        }
        throw new IllegalArgumentException(
                "unknown server '" + id + "' (atlas-1lane, atlas-2lanes, atlas-https, nginx, nginx-https)");
    }
}
