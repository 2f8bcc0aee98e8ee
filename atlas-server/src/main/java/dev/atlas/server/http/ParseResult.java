package dev.atlas.server.http;

/**
 * Outcome of feeding one piece of bytes to {@link HttpRequestParser}.
 * After {@link #COMPLETE}, {@link HttpRequest#consumed()} says how many bytes of the piece belong
 * to the request, so the rest (a pipelined request) can be fed again. After {@link #ERROR},
 * {@link HttpRequest#errorStatus()} is the status to answer with before closing.
 */
public enum ParseResult {
    /** Every byte of the piece was taken; the request head is not complete yet. */
    NEED_MORE,
    /** A whole request (head and any skipped body) has arrived. */
    COMPLETE,
    /** The request is malformed or over a limit; the connection must be answered and closed. */
    ERROR
}
