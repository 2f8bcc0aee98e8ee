package dev.atlas.server.http;

/** Request methods the server distinguishes; every other valid token is {@link #OTHER} (answered with 405). */
public enum HttpMethod {
    GET,
    HEAD,
    /** A browser's CORS preflight (or an operator asking what is allowed). */
    OPTIONS,
    OTHER
}
