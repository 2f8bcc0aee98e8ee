package dev.atlas.server.tcp;

/** RFC 9293 connection states as small ints (a TCB field, compared on the hot path). */
public final class TcpState {
    public static final int CLOSED = 0;
    public static final int SYN_RECEIVED = 1;
    public static final int ESTABLISHED = 2;
    public static final int FIN_WAIT_1 = 3;
    public static final int FIN_WAIT_2 = 4;
    public static final int CLOSING = 5;
    public static final int TIME_WAIT = 6;
    public static final int CLOSE_WAIT = 7;
    public static final int LAST_ACK = 8;

    private static final String[] NAMES = {
        "CLOSED",
        "SYN_RECEIVED",
        "ESTABLISHED",
        "FIN_WAIT_1",
        "FIN_WAIT_2",
        "CLOSING",
        "TIME_WAIT",
        "CLOSE_WAIT",
        "LAST_ACK",
    };

    private TcpState() {}

    public static String name(int state) {
        return state >= 0 && state < NAMES.length ? NAMES[state] : "UNKNOWN(" + state + ")";
    }

    /** States in which the application may still queue bytes. */
    static boolean canSend(int state) {
        return state == ESTABLISHED || state == CLOSE_WAIT;
    }

    /** States in which received payload is delivered. */
    static boolean canReceive(int state) {
        return state == ESTABLISHED || state == FIN_WAIT_1 || state == FIN_WAIT_2;
    }
}
