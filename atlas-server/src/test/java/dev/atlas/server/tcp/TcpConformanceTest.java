package dev.atlas.server.tcp;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Conformance of the TCP engine against a scripted peer on the memory backend ({@link TcpScript}):
 * handshake and options, data and delayed ACKs, SACK-based fast retransmit, RTO back-off, persist
 * probes, FIN both ways, RST rules of RFC 5961, TIME_WAIT expiry and SYN cookies.
 */
class TcpConformanceTest {

    private static TcpConfig config() {
        return TcpConfig.defaults().maxConnections(16).synQueueCapacity(4).timeWaitNanos(TimeUnit.SECONDS.toNanos(1));
    }

    /** Handshake without timestamps, MSS 1000, no window scaling: short scripts. */
    private static final String PLAIN_HANDSHAKE = """
        +0 < S 0:0(0) win 65535 <mss 1000,sackOK,nop,nop>
        +0 > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK>
        +0 < . 1:1(0) ack 1 win 60000
        +0 check state ESTABLISHED
        """;

    @Test
    void handshakeNegotiatesOptionsAndDelaysAcks() {
        new TcpScript(config()).run("""
            +0 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>
            +0 > S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 7,sackOK,TS val * ecr 100>
            +0 < . 1:1(0) ack 1 win 512 <nop,nop,TS val 101 ecr *>
            +0 check state ESTABLISHED
            +0 check counter connectionsOpen 1
            # one segment of request: the ACK waits for the delayed-ACK timer (40 ms)
            +0 < P. 1:101(100) ack 1 win 512 <nop,nop,TS val 102 ecr *>
            +0.04 > . 1:1(0) ack 101 win 8192 <nop,nop,TS val * ecr 102>
            +0 check received 100
            # two segments: acknowledged at once
            +0.1 < . 101:1101(1000) ack 1 win 512 <nop,nop,TS val 103 ecr *>
            +0 < . 1101:2101(1000) ack 1 win 512 <nop,nop,TS val 104 ecr *>
            +0 > . 1:1(0) ack 2101 win 8192 <nop,nop,TS val * ecr 104>
            # the response goes out in MSS segments, window scaled by 2^7
            +0 app send 3000
            +0 > . 1:1449(1448) ack 2101 <nop,nop,TS val * ecr 104>
            +0 > . 1449:2897(1448) ack 2101
            +0 > P. 2897:3001(104) ack 2101
            +0.01 < . 2101:2101(0) ack 3001 win 512 <nop,nop,TS val 105 ecr *>
            """);
    }

    @Test
    void peerWithoutOptionsGetsDefaultMss() {
        new TcpScript(config()).run("""
            +0 < S 0:0(0) win 8192
            +0 > S. 0:0(0) ack 1 win 65535 <mss 1460>
            +0 < . 1:1(0) ack 1 win 8192
            +0 app send 1000
            +0 > . 1:537(536) ack 1
            +0 > P. 537:1001(464) ack 1
            """);
    }

    @Test
    void sackTriggersFastRetransmitOfTheHole() {
        TcpScript s = new TcpScript(config());
        s.run(PLAIN_HANDSHAKE + """
            +0 app send 5000
            +0 > . 1:1001(1000) ack 1
            +0 > . 1001:2001(1000) ack 1
            +0 > . 2001:3001(1000) ack 1
            +0 > . 3001:4001(1000) ack 1
            +0 > P. 4001:5001(1000) ack 1
            # the first segment was lost: three SACKed duplicate ACKs
            +0.01 < . 1:1(0) ack 1 win 60000 <nop,nop,sack 1001:2001>
            +0 < . 1:1(0) ack 1 win 60000 <nop,nop,sack 1001:3001>
            +0 < . 1:1(0) ack 1 win 60000 <nop,nop,sack 1001:4001>
            +0 > . 1:1001(1000) ack 1
            +0 check counter fastRetransmits 1
            +0 check counter fastRecoveries 1
            +0.01 < . 1:1(0) ack 5001 win 60000
            +0.5 check counter rtoEvents 0
            """);
    }

    @Test
    void sackHolesAreRetransmittedInOrderWithoutResendingSackedData() {
        new TcpScript(config()).run(PLAIN_HANDSHAKE + """
            +0 app send 6000
            +0 > . 1:1001(1000) ack 1
            +0 > . 1001:2001(1000) ack 1
            +0 > . 2001:3001(1000) ack 1
            +0 > . 3001:4001(1000) ack 1
            +0 > . 4001:5001(1000) ack 1
            +0 > P. 5001:6001(1000) ack 1
            # segments 1 and 3 lost
            +0.01 < . 1:1(0) ack 1 win 60000 <nop,nop,sack 1001:2001>
            +0 < . 1:1(0) ack 1 win 60000 <nop,nop,sack 1001:2001 3001:4001>
            +0 < . 1:1(0) ack 1 win 60000 <nop,nop,sack 1001:2001 3001:5001>
            +0 > . 1:1001(1000) ack 1
            +0 < . 1:1(0) ack 1 win 60000 <nop,nop,sack 1001:2001 3001:6001>
            +0 > . 2001:3001(1000) ack 1
            +0.01 < . 1:1(0) ack 6001 win 60000
            +0 check counter fastRetransmits 2
            +0.5 check counter rtoEvents 0
            """);
    }

    @Test
    void threeDuplicateAcksWithoutSackRetransmitAndPartialAcksContinue() {
        new TcpScript(config()).run("""
            +0 < S 0:0(0) win 65535 <mss 1000>
            +0 > S. 0:0(0) ack 1 win 65535 <mss 1460>
            +0 < . 1:1(0) ack 1 win 60000
            +0 app send 5000
            +0 > . 1:1001(1000) ack 1
            +0 > . 1001:2001(1000) ack 1
            +0 > . 2001:3001(1000) ack 1
            +0 > . 3001:4001(1000) ack 1
            +0 > P. 4001:5001(1000) ack 1
            # segments 1 and 2 lost
            +0.01 < . 1:1(0) ack 1 win 60000
            +0 < . 1:1(0) ack 1 win 60000
            +0 < . 1:1(0) ack 1 win 60000
            +0 > . 1:1001(1000) ack 1
            # partial ACK: NewReno resends the next hole at once
            +0.01 < . 1:1(0) ack 1001 win 60000
            +0 > . 1001:2001(1000) ack 1
            +0.01 < . 1:1(0) ack 5001 win 60000
            +0 check counter fastRetransmits 2
            +0.5 check counter rtoEvents 0
            """);
    }

    @Test
    void retransmissionTimeoutBacksOffExponentially() {
        new TcpScript(config()).run(PLAIN_HANDSHAKE + """
            +0 app send 1000
            +0 > P. 1:1001(1000) ack 1
            +0.2 > P. 1:1001(1000) ack 1
            +0.4 > P. 1:1001(1000) ack 1
            +0.8 > P. 1:1001(1000) ack 1
            +1.6 > P. 1:1001(1000) ack 1
            +0 check counter rtoEvents 4
            +0 check counter rtoRetransmits 4
            +0.1 < . 1:1(0) ack 1001 win 60000
            +0 app send 1000
            +0 > P. 1001:2001(1000) ack 1
            """);
    }

    @Test
    void retransmissionTimeoutAfterAckedDataResendsOnlyTheUnackedTail() {
        new TcpScript(config()).run(PLAIN_HANDSHAKE + """
            +0 app send 3000
            +0 > . 1:1001(1000) ack 1
            +0 > . 1001:2001(1000) ack 1
            +0 > P. 2001:3001(1000) ack 1
            +0.05 < . 1:1(0) ack 1001 win 60000
            # RTO = 50 ms sample + 4 * 25 ms = 150 ms, below the minimum: 200 ms after the ACK restarted it
            +0.2 > . 1001:2001(1000) ack 1
            +0.01 < . 1:1(0) ack 2001 win 60000
            +0 > P. 2001:3001(1000) ack 1
            +0.01 < . 1:1(0) ack 3001 win 60000
            """);
    }

    @Test
    void zeroWindowIsProbedWithBackOffUntilItOpens() {
        new TcpScript(config()).run("""
            +0 < S 0:0(0) win 65535 <mss 1000>
            +0 > S. 0:0(0) ack 1 win 65535 <mss 1460>
            +0 < . 1:1(0) ack 1 win 0
            +0 app send 2000
            +0.2 > . 0:0(0) ack 1
            +0 check counter persistProbes 1
            +0 < . 1:1(0) ack 1 win 0
            +0.4 > . 0:0(0) ack 1
            +0 < . 1:1(0) ack 1 win 0
            +0.8 > . 0:0(0) ack 1
            +0.3 < . 1:1(0) ack 1 win 60000
            +0 > . 1:1001(1000) ack 1
            +0 > P. 1001:2001(1000) ack 1
            +0.01 < . 1:1(0) ack 2001 win 60000
            +0 check counter persistProbes 3
            +0 check state ESTABLISHED
            """);
    }

    @Test
    void serverCloseGoesThroughFinWait2AndTimeWait() {
        new TcpScript(config()).run(PLAIN_HANDSHAKE + """
            +0 app send 100
            +0 > P. 1:101(100) ack 1
            +0 app close
            +0 > F. 101:101(0) ack 1
            +0.01 < . 1:1(0) ack 102 win 60000
            +0 check state FIN_WAIT_2
            +0 < F. 1:1(0) ack 102 win 60000
            +0 > . 102:102(0) ack 2
            +0 check closed 1
            +0 check connections 1
            # a retransmitted FIN in TIME_WAIT is acknowledged again
            +0.5 < F. 1:1(0) ack 102 win 60000
            +0 > . 102:102(0) ack 2
            +1.01 check connections 0
            +0 check counter timeWaitExpired 1
            """);
    }

    @Test
    void peerCloseIsAnsweredWithFinAndLastAck() {
        new TcpScript(config()).run(PLAIN_HANDSHAKE + """
            +0 < F. 1:1(0) ack 1 win 60000
            +0 > F. 1:1(0) ack 2
            +0 check state LAST_ACK
            +0.01 < . 2:2(0) ack 2 win 60000
            +0 check closed 1
            +0 check connections 0
            """);
    }

    @Test
    void simultaneousCloseGoesThroughClosing() {
        new TcpScript(config()).run(PLAIN_HANDSHAKE + """
            +0 app close
            +0 > F. 1:1(0) ack 1
            +0 < F. 1:1(0) ack 1 win 60000
            +0 > . 2:2(0) ack 2
            +0 check state CLOSING
            +0 < . 2:2(0) ack 2 win 60000
            +0 check closed 1
            +1.01 check connections 0
            """);
    }

    @Test
    void resetRulesOfRfc5961() {
        new TcpScript(config()).run(PLAIN_HANDSHAKE + """
            # in window but not exact: challenge ACK, connection stays
            +0 < R. 1001:1001(0) ack 1 win 60000
            +0 > . 1:1(0) ack 1
            +0 check counter challengeAcks 1
            # outside the window: ignored silently
            +0 < R. 90000000:90000000(0) ack 1 win 60000
            # a SYN on an established connection: challenge ACK
            +0 < S 5:5(0) win 60000
            +0 > . 1:1(0) ack 1
            +0 check counter challengeAcks 2
            +0 check state ESTABLISHED
            # exactly at RCV.NXT: the connection is reset
            +0 < R. 1:1(0) ack 1 win 60000
            +0 check closed 1
            +0 check connections 0
            +0 check counter resetsReceived 1
            """);
    }

    @Test
    void outOfWindowDataIsAnsweredWithAnAck() {
        new TcpScript(config()).run(PLAIN_HANDSHAKE + """
            +0 < . 9000001:9000101(100) ack 1 win 60000
            +0 > . 1:1(0) ack 1
            # out of order inside the window: dropped, duplicate ACK
            +0 < . 101:201(100) ack 1 win 60000
            +0 > . 1:1(0) ack 1
            +0 check counter outOfOrderSegments 1
            +0 check received 0
            """);
    }

    @Test
    void abortSendsResetAndUnknownSegmentsGetResets() {
        new TcpScript(config()).run(PLAIN_HANDSHAKE + """
            +0 app abort
            +0 > R. 1:1(0) ack 1
            +0 check closed 1
            +0 < . 1:1(0) ack 1 win 60000
            +0 > R 1:1(0)
            +0 check counter resetsSent 2
            """);
    }

    @Test
    void synAckIsRetransmittedAndTheHalfOpenConnectionExpires() {
        new TcpScript(config().maxSynAckRetransmissions(2)).run("""
            +0 < S 0:0(0) win 65535 <mss 1000>
            +0 > S. 0:0(0) ack 1 win 65535 <mss 1460>
            # RFC 6298: initial RTO 1 s, doubled each time
            +1 > S. 0:0(0) ack 1 win 65535 <mss 1460>
            +2 > S. 0:0(0) ack 1 win 65535 <mss 1460>
            +0 check connections 1
            +3.99 check connections 1
            +0.02 check connections 0
            """);
    }

    @Test
    void synQueueOverflowAnswersWithCookiesThatCreateTheConnection() {
        new TcpScript(config().synQueueCapacity(1)).run("""
            @40001 +0 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>
            @40001 +0 > S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 7,sackOK,TS val * ecr 100>
            @40002 +0 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 200 ecr 0,nop,wscale 7>
            @40002 +0 > S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 7,sackOK,TS val * ecr 200>
            +0 check counter synCookiesSent 1
            +0 check counter synQueueOverflows 1
            +0 check connections 1
            @40002 +0.01 < . 1:1(0) ack 1 win 512 <nop,nop,TS val 201 ecr *>
            +0 check counter synCookiesAccepted 1
            +0 check connections 2
            @40002 +0 check state ESTABLISHED
            # the cookie carried the window scale: 512 << 7 bytes of window
            @40002 +0 app send 2000
            @40002 +0 > . 1:1449(1448) ack 1
            @40002 +0 > P. 1449:2001(552) ack 1
            # a forged cookie is refused with a reset
            @40003 +0 < . 1:1(0) ack 12345 win 512
            @40003 +0 > R 12345:12345(0)
            +0 check counter synCookiesRejected 1
            """);
    }
}
