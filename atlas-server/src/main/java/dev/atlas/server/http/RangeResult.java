package dev.atlas.server.http;

/** What a Range header field asks for, judged against the representation's length (RFC 9110 §14). */
public enum RangeResult {
    /** One satisfiable range: answer 206 with {@link ByteRange#first()}..{@link ByteRange#last()}. */
    SATISFIABLE,
    /** A valid range that starts past the end: answer 416 with "Content-Range: bytes *&#47;length". */
    UNSATISFIABLE,
    /** Several ranges, another unit or invalid syntax: serve the whole representation with 200. */
    IGNORED
}
