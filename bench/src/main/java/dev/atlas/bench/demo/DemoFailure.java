package dev.atlas.bench.demo;

/** A demo step that did not work out; the message is one sentence for the operator (plus the tool's own words). */
final class DemoFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DemoFailure(String message) {
        super(message);
    }

    DemoFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
