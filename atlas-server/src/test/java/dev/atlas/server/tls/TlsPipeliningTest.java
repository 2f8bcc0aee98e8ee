package dev.atlas.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A TLS client pipelining far past what the HTTP side holds at once: the decrypted requests it
 * cannot take wait in the session (the client's window closes behind them) and are handed over
 * as responses complete, so every request is answered, in order, on the one connection — none
 * is lost and the session is not ended.
 */
class TlsPipeliningTest {
    private static final int REQUESTS = 1_000;
    private static final int BODY_BYTES = 2_000;
    private static final long LIMIT = 60_000_000_000L;

    @Test
    void requestsPastTheHttpBudgetAreHeldAndAllAnswered() {
        try (TlsRecordFuzzTest.Run run = new TlsRecordFuzzTest.Run(0)) {
            run.downloadRequests = false;
            run.downloadTcp.connect(run.now);
            final long deadline = run.now + LIMIT;
            while (!run.download.established && run.now < deadline) {
                run.step();
            }
            assertTrue(run.download.established, "handshake");
            final StringBuilder requests = new StringBuilder();
            for (int i = 0; i < REQUESTS; i++) {
                requests.append("GET /pattern/" + BODY_BYTES + " HTTP/1.1\r\nHost: edge.test\r\n\r\n");
            }
            // One write: Bouncy Castle seals it into full 16 KiB records, each holding hundreds of requests.
            run.download.write(requests.toString().getBytes(StandardCharsets.US_ASCII));
            // Counted every few hundred steps: the responses add up to megabytes.
            for (int step = 0;
                    run.now < deadline
                            && run.download.failure == null
                            && (step % 500 != 0 || responses(run) < REQUESTS);
                    step++) {
                run.step();
            }
            assertEquals(REQUESTS, responses(run), "every pipelined request answered; failure " + run.download.failure);
            assertTrue(run.tls.counters().plaintextHeld > 0, "the HTTP side's budget was exceeded and requests waited");
            assertEquals(0, run.tls.counters().alertsSent[org.bouncycastle.tls.AlertDescription.internal_error]);
        }
    }

    private static int responses(TlsRecordFuzzTest.Run run) {
        final String text = run.download.plaintext.toString(StandardCharsets.ISO_8859_1);
        int count = 0;
        for (int at = text.indexOf("HTTP/1.1 200"); at >= 0; at = text.indexOf("HTTP/1.1 200", at + 1)) {
            count++;
        }
        return count;
    }
}
