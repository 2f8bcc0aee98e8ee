package dev.atlas.server.http;

import java.nio.charset.StandardCharsets;

/**
 * The statuses the server sends, each with its status line encoded once as ASCII
 * ("HTTP/1.1 200 OK\r\n") so writing a response head copies bytes and never formats.
 */
public enum HttpStatus {
    OK(200, "OK"),
    NO_CONTENT(204, "No Content"),
    PARTIAL_CONTENT(206, "Partial Content"),
    NOT_MODIFIED(304, "Not Modified"),
    BAD_REQUEST(400, "Bad Request"),
    NOT_FOUND(404, "Not Found"),
    METHOD_NOT_ALLOWED(405, "Method Not Allowed"),
    REQUEST_TIMEOUT(408, "Request Timeout"),
    CONFLICT(409, "Conflict"),
    CONTENT_TOO_LARGE(413, "Content Too Large"),
    URI_TOO_LONG(414, "URI Too Long"),
    RANGE_NOT_SATISFIABLE(416, "Range Not Satisfiable"),
    REQUEST_HEADER_FIELDS_TOO_LARGE(431, "Request Header Fields Too Large"),
    INTERNAL_SERVER_ERROR(500, "Internal Server Error"),
    NOT_IMPLEMENTED(501, "Not Implemented"),
    SERVICE_UNAVAILABLE(503, "Service Unavailable"),
    HTTP_VERSION_NOT_SUPPORTED(505, "HTTP Version Not Supported"),
    INSUFFICIENT_STORAGE(507, "Insufficient Storage");

    private final int code;
    private final String reason;
    private final byte[] statusLine;
    private final byte[] body;

    HttpStatus(int code, String reason) {
        this.code = code;
        this.reason = reason;
        this.statusLine = ("HTTP/1.1 " + code + " " + reason + "\r\n").getBytes(StandardCharsets.US_ASCII);
        this.body = (code + " " + reason + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    public int code() {
        return code;
    }

    public String reason() {
        return reason;
    }

    /** "HTTP/1.1 code reason" and CRLF, pre-encoded. Callers must not modify it. */
    byte[] statusLine() {
        return statusLine;
    }

    /** The small text/plain body of a canned error response. Callers must not modify it. */
    byte[] body() {
        return body;
    }
}
