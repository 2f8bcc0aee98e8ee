package dev.atlas.server.tcp;

import dev.atlas.server.memory.MemoryRing;
import dev.atlas.server.memory.MemoryWire;
import dev.atlas.server.proto.EthernetHeader;
import dev.atlas.server.proto.Ipv4Header;
import dev.atlas.server.proto.TcpHeader;
import dev.atlas.server.proto.TcpOptions;
import dev.atlas.server.ring.RxSlot;
import dev.atlas.server.ring.TxSlot;
import dev.atlas.server.ring.Wire;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A packetdrill-style scripted peer for conformance tests: each line injects a segment into the
 * stack ({@code <}), expects one from it ({@code >}), acts as the application ({@code app}) or
 * checks state ({@code check}), at a time relative to the previous line on a virtual clock.
 *
 * <pre>
 * +0     &lt; S 0:0(0) win 65535 &lt;mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7&gt;
 * +0     &gt; S. 0:0(0) ack 1 &lt;mss 1460,nop,wscale 7,sackOK,TS val * ecr 100&gt;
 * +0.1   &lt; . 1:1(0) ack 1 win 1000
 * +0     app send 3000
 * +0     &gt; . 1:1461(1460) ack 1
 * +0.2   check counter rtoEvents 1
 * @40001 +0 &lt; S 0:0(0) win 1000        (a second peer port)
 * </pre>
 * Sequence numbers are relative: ours to the stack's ISS (learned from its SYN-ACK), the
 * peer's to its ISN. Flags: S, F, R, P, and "." for ACK. In expected options {@code *} matches
 * anything; an expected segment without {@code <…>} does not check options. A segment must
 * arrive within ±{@link #TOLERANCE_NANOS} of its time; any segment nobody expected fails the script.
 */
final class TcpScript {
    static final long TOLERANCE_NANOS = 2_000_000L;
    static final long STEP_NANOS = 1_000_000L;
    static final int DEFAULT_PEER_PORT = 40_000;
    static final int PEER_ISN = 0x10_0000;

    private static final Pattern SEGMENT = Pattern.compile(
            "([SFRP.]+)\\s+(\\d+):(\\d+)\\((\\d+)\\)(?:\\s+ack\\s+(\\d+))?(?:\\s+win\\s+(\\d+))?(?:\\s+<(.*)>)?\\s*");

    final StackLoop loop;
    final RecordingApplication app;
    private final MemoryRing peer;
    private final PatternSource pattern = new PatternSource();
    private final Map<Integer, Integer> ourIss = new HashMap<>();
    private final Map<Integer, Integer> lastTsVal = new HashMap<>();
    private final Map<Integer, Long> queuedBytes = new HashMap<>();
    private final ArrayDeque<Seen> seen = new ArrayDeque<>();
    private final RxSlot rx = new RxSlot();
    private final TxSlot tx = new TxSlot();
    private final TcpOptions parsed = new TcpOptions();
    private final MemorySegment scratch = Arena.ofAuto().allocate(65_536);
    private int lineNumber;
    private String line;

    /** One segment the peer received from the stack. */
    record Seen(
            long at,
            int port,
            int flags,
            int seq,
            int ack,
            int window,
            int length,
            int mss,
            int wscale,
            boolean sackOk,
            boolean ts,
            int tsVal,
            int tsEcr) {}

    TcpScript(TcpConfig config) {
        MemoryWire wire = new MemoryWire();
        this.app = new RecordingApplication();
        this.loop = new StackLoop(wire, config, app, 1_000_000_000L);
        this.peer = wire.b();
    }

    /** Runs a whole script; fails with the line number and text of the first mismatch. */
    void run(String script) {
        for (String raw : script.split("\n")) {
            lineNumber++;
            line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            execute(line);
        }
        loop.pass();
        collect();
        if (!seen.isEmpty()) {
            fail("unexpected segment at the end: " + describe(seen.peek()));
        }
    }

    private void execute(String text) {
        String rest = text;
        int port = DEFAULT_PEER_PORT;
        if (rest.startsWith("@")) {
            int space = rest.indexOf(' ');
            port = Integer.parseInt(rest.substring(1, space));
            rest = rest.substring(space + 1).strip();
        }
        if (!rest.startsWith("+")) {
            fail("a line starts with +SECONDS");
        }
        int space = rest.indexOf(' ');
        long at = loop.now + Math.round(Double.parseDouble(rest.substring(1, space)) * 1e9);
        rest = rest.substring(space + 1).strip();
        if (rest.startsWith("<")) {
            advanceQuietly(at);
            inject(port, rest.substring(1).strip());
        } else if (rest.startsWith(">")) {
            expect(port, at, rest.substring(1).strip());
        } else if (rest.startsWith("app ")) {
            advanceQuietly(at);
            application(port, rest.substring(4).strip());
        } else if (rest.startsWith("check ")) {
            advanceQuietly(at);
            check(port, rest.substring(6).strip());
        } else {
            fail("unknown command");
        }
    }

    /** Moves the clock to {@code at}; nothing may arrive on the way. */
    private void advanceQuietly(long at) {
        while (true) {
            loop.pass();
            collect();
            if (!seen.isEmpty()) {
                fail("unexpected segment " + describe(seen.peek()));
            }
            if (loop.now >= at) {
                return;
            }
            loop.now = Math.min(at, loop.now + STEP_NANOS);
        }
    }

    private void expect(int port, long at, String spec) {
        long deadline = at + TOLERANCE_NANOS;
        while (true) {
            loop.pass();
            collect();
            if (!seen.isEmpty()) {
                Seen s = seen.poll();
                if (s.at() < at - TOLERANCE_NANOS) {
                    fail("segment came early, at " + seconds(s.at()) + " instead of " + seconds(at) + ": "
                            + describe(s));
                }
                match(port, s, spec);
                return;
            }
            if (loop.now >= deadline) {
                fail("no segment by " + seconds(deadline));
            }
            loop.now = Math.min(deadline, loop.now + STEP_NANOS);
        }
    }

    private void collect() {
        peer.rxSync();
        while (peer.rxNext(rx)) {
            MemorySegment f = rx.frame();
            if (EthernetHeader.etherType(f, 0) != EthernetHeader.ETHER_TYPE_IPV4
                    || Ipv4Header.protocol(f, EthernetHeader.LENGTH) != Ipv4Header.PROTOCOL_TCP) {
                continue;
            }
            int ip = EthernetHeader.LENGTH;
            int tcp = ip + Ipv4Header.headerLength(f, ip);
            int end = ip + Ipv4Header.totalLength(f, ip);
            if (!TcpHeader.checksumValid(f, tcp, end - tcp, Ipv4Header.source(f, ip), Ipv4Header.destination(f, ip))) {
                fail("the stack sent a segment with a bad TCP checksum");
            }
            parsed.parse(f, tcp);
            int port = TcpHeader.destinationPort(f, tcp);
            Seen s = new Seen(
                    loop.now,
                    port,
                    TcpHeader.flags(f, tcp),
                    TcpHeader.sequence(f, tcp),
                    TcpHeader.acknowledgment(f, tcp),
                    TcpHeader.window(f, tcp),
                    end - tcp - TcpHeader.headerLength(f, tcp),
                    parsed.mss(),
                    parsed.windowScale(),
                    parsed.sackPermitted(),
                    parsed.timestampPresent(),
                    parsed.timestampValue(),
                    parsed.timestampEcho());
            if ((s.flags() & TcpHeader.FLAG_SYN) != 0) {
                ourIss.put(port, s.seq());
            }
            if (s.ts()) {
                lastTsVal.put(port, s.tsVal());
            }
            seen.add(s);
        }
        peer.rxRelease();
    }

    private void match(int port, Seen s, String spec) {
        Matcher m = SEGMENT.matcher(spec);
        if (!m.matches()) {
            fail("cannot parse the segment");
        }
        String got = describe(s);
        int iss = ourIss.getOrDefault(port, 0);
        check(s.port() == port, "expected port " + port + ", got " + got);
        check(s.flags() == flags(m.group(1)), "flags differ: got " + got);
        int start = Integer.parseInt(m.group(2));
        int length = Integer.parseInt(m.group(4));
        boolean syn = (s.flags() & TcpHeader.FLAG_SYN) != 0;
        check(syn || s.seq() - iss == start, "sequence differs: got " + got);
        check(s.length() == length, "length differs: got " + got);
        if (m.group(5) != null) {
            check(s.ack() - PEER_ISN == Integer.parseInt(m.group(5)), "ack differs: got " + got);
        }
        if (m.group(6) != null) {
            check(s.window() == Integer.parseInt(m.group(6)), "window differs: got " + got);
        }
        if (m.group(7) != null) {
            matchOptions(s, m.group(7), got);
        }
    }

    private void matchOptions(Seen s, String options, String got) {
        int mss = TcpOptions.ABSENT;
        int wscale = TcpOptions.ABSENT;
        boolean sackOk = false;
        boolean ts = false;
        for (String item : options.split(",")) {
            String[] w = item.strip().split("\\s+");
            switch (w[0]) {
                case "mss" -> mss = Integer.parseInt(w[1]);
                case "wscale" -> wscale = Integer.parseInt(w[1]);
                case "sackOK" -> sackOk = true;
                case "nop", "eol", "" -> {}
                case "TS" -> {
                    ts = true;
                    check(s.ts(), "no timestamps: got " + got);
                    check(w[2].equals("*") || s.tsVal() == (int) Long.parseLong(w[2]), "TS val differs: got " + got);
                    check(w[4].equals("*") || s.tsEcr() == (int) Long.parseLong(w[4]), "TS ecr differs: got " + got);
                }
                default -> fail("unknown option " + w[0]);
            }
        }
        check(s.mss() == mss, "MSS option differs: got " + got);
        check(s.wscale() == wscale, "window scale option differs: got " + got);
        check(s.sackOk() == sackOk, "SACK-permitted differs: got " + got);
        check(s.ts() == ts, "timestamp presence differs: got " + got);
    }

    private void inject(int port, String spec) {
        Matcher m = SEGMENT.matcher(spec);
        if (!m.matches()) {
            fail("cannot parse the segment");
        }
        int flags = flags(m.group(1));
        int length = Integer.parseInt(m.group(4));
        int seq = PEER_ISN + Integer.parseInt(m.group(2));
        int ack = m.group(5) == null ? 0 : ourIss.getOrDefault(port, 0) + Integer.parseInt(m.group(5));
        int window = m.group(6) == null ? 65_535 : Integer.parseInt(m.group(6));
        if (!peer.txClaim(tx)) {
            fail("peer TX ring full");
        }
        MemorySegment f = tx.frame();
        int ip = EthernetHeader.LENGTH;
        int tcp = ip + Ipv4Header.MIN_LENGTH;
        long at = tcp + TcpHeader.MIN_LENGTH;
        if (m.group(7) != null) {
            at = writeOptions(port, f, at, m.group(7));
        }
        int headerLength = (int) (at - tcp);
        TcpHeader.write(f, tcp, port, StackLoop.PORT, seq, ack, headerLength, flags, window);
        for (int i = 0; i < length; i++) {
            Wire.u8(f, at + i, 'a' + i % 26);
        }
        int tcpLength = headerLength + length;
        Ipv4Header.write(
                f,
                ip,
                Ipv4Header.MIN_LENGTH + tcpLength,
                lineNumber,
                Ipv4Header.PROTOCOL_TCP,
                StackLoop.PEER_ADDRESS,
                StackLoop.STACK.ipv4());
        TcpHeader.checksum(
                f, tcp, TcpHeader.computeChecksum(f, tcp, tcpLength, StackLoop.PEER_ADDRESS, StackLoop.STACK.ipv4()));
        EthernetHeader.write(f, 0, StackLoop.STACK.mac(), StackLoop.PEER_MAC, EthernetHeader.ETHER_TYPE_IPV4);
        tx.length(tcp + tcpLength);
        peer.txCommit(tx);
        peer.txSync();
        peer.txReap();
        loop.pass();
        collect();
    }

    private long writeOptions(int port, MemorySegment f, long start, String options) {
        long at = start;
        for (String item : options.split(",")) {
            String[] w = item.strip().split("\\s+");
            switch (w[0]) {
                case "mss" -> at += TcpOptions.putMss(f, at, Integer.parseInt(w[1]));
                case "nop" -> Wire.u8(f, at++, TcpOptions.KIND_NOP);
                case "eol" -> Wire.u8(f, at++, TcpOptions.KIND_END);
                case "sackOK" -> {
                    Wire.u8(f, at, TcpOptions.KIND_SACK_PERMITTED);
                    Wire.u8(f, at + 1, TcpOptions.LENGTH_SACK_PERMITTED);
                    at += TcpOptions.LENGTH_SACK_PERMITTED;
                }
                case "wscale" -> {
                    Wire.u8(f, at, TcpOptions.KIND_WINDOW_SCALE);
                    Wire.u8(f, at + 1, TcpOptions.LENGTH_WINDOW_SCALE);
                    Wire.u8(f, at + 2, Integer.parseInt(w[1]));
                    at += TcpOptions.LENGTH_WINDOW_SCALE;
                }
                case "TS" -> {
                    int val = (int) Long.parseLong(w[2]);
                    int ecr = w[4].equals("*") ? lastTsVal.getOrDefault(port, 0) : (int) Long.parseLong(w[4]);
                    Wire.u8(f, at, TcpOptions.KIND_TIMESTAMP);
                    Wire.u8(f, at + 1, TcpOptions.LENGTH_TIMESTAMP);
                    Wire.u32(f, at + 2, val);
                    Wire.u32(f, at + 6, ecr);
                    at += TcpOptions.LENGTH_TIMESTAMP;
                }
                case "sack" -> {
                    int blocks = w.length - 1;
                    Wire.u8(f, at, TcpOptions.KIND_SACK);
                    Wire.u8(f, at + 1, 2 + blocks * TcpOptions.SACK_BLOCK_LENGTH);
                    int iss = ourIss.getOrDefault(port, 0);
                    for (int b = 0; b < blocks; b++) {
                        String[] edges = w[b + 1].split(":");
                        Wire.u32(f, at + 2 + b * 8L, iss + Integer.parseInt(edges[0]));
                        Wire.u32(f, at + 6 + b * 8L, iss + Integer.parseInt(edges[1]));
                    }
                    at += 2 + blocks * TcpOptions.SACK_BLOCK_LENGTH;
                }
                default -> fail("unknown option " + w[0]);
            }
        }
        while ((at - start) % 4 != 0) {
            Wire.u8(f, at++, TcpOptions.KIND_END);
        }
        return at;
    }

    private void application(int port, String command) {
        TcpConnection c = app.accepted.get(port);
        check(c != null, "no accepted connection for port " + port);
        String[] w = command.split("\\s+");
        switch (w[0]) {
            case "send" -> {
                long n = Long.parseLong(w[1]);
                long done = queuedBytes.getOrDefault(port, 0L);
                check(c.send(pattern, 0, done, n), "send refused");
                queuedBytes.put(port, done + n);
            }
            case "retained" -> {
                int n = Integer.parseInt(w[1]);
                pattern.fill(null, 0, 0, 0, scratch, 0, n);
                check(c.sendRetained(scratch, 0, n), "sendRetained refused");
            }
            case "close" -> c.shutdownOutput();
            case "abort" -> c.abort();
            default -> fail("unknown app command " + w[0]);
        }
        loop.pass();
        collect();
    }

    private void check(int port, String what) {
        String[] w = what.split("\\s+");
        switch (w[0]) {
            case "connections" ->
                check(
                        loop.stack.connectionCount() == Integer.parseInt(w[1]),
                        "connections: " + loop.stack.connectionCount());
            case "state" -> {
                TcpConnection c = app.accepted.get(port);
                check(c != null && c.stateName().equals(w[1]), "state: " + (c == null ? "none" : c.stateName()));
            }
            case "received" ->
                check(
                        app.received.getOrDefault(port, 0L) == Long.parseLong(w[1]),
                        "received: " + app.received.getOrDefault(port, 0L));
            case "closed" ->
                check(
                        app.closed.getOrDefault(port, 0) == Integer.parseInt(w[1]),
                        "onClose calls: " + app.closed.getOrDefault(port, 0));
            case "counter" -> {
                long value = counter(w[1]);
                check(value == Long.parseLong(w[2]), w[1] + " = " + value);
            }
            case "counter>=" -> {
                long value = counter(w[1]);
                check(value >= Long.parseLong(w[2]), w[1] + " = " + value);
            }
            default -> fail("unknown check " + w[0]);
        }
    }

    long counter(String name) {
        try {
            return TcpCounters.class.getField(name).getLong(loop.stack.counters());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("no counter " + name, e);
        }
    }

    private static int flags(String text) {
        int flags = 0;
        for (char ch : text.toCharArray()) {
            flags |= switch (ch) {
                case 'S' -> TcpHeader.FLAG_SYN;
                case 'F' -> TcpHeader.FLAG_FIN;
                case 'R' -> TcpHeader.FLAG_RST;
                case 'P' -> TcpHeader.FLAG_PSH;
                default -> TcpHeader.FLAG_ACK;
            };
        }
        return flags;
    }

    private String describe(Seen s) {
        StringBuilder f = new StringBuilder();
        if ((s.flags() & TcpHeader.FLAG_SYN) != 0) f.append('S');
        if ((s.flags() & TcpHeader.FLAG_FIN) != 0) f.append('F');
        if ((s.flags() & TcpHeader.FLAG_RST) != 0) f.append('R');
        if ((s.flags() & TcpHeader.FLAG_PSH) != 0) f.append('P');
        if ((s.flags() & TcpHeader.FLAG_ACK) != 0) f.append('.');
        int iss = ourIss.getOrDefault(s.port(), 0);
        int seq = s.seq() - iss;
        List<String> o = new ArrayList<>();
        if (s.mss() != TcpOptions.ABSENT) o.add("mss " + s.mss());
        if (s.wscale() != TcpOptions.ABSENT) o.add("wscale " + s.wscale());
        if (s.sackOk()) o.add("sackOK");
        if (s.ts())
            o.add("TS val " + Integer.toUnsignedString(s.tsVal()) + " ecr " + Integer.toUnsignedString(s.tsEcr()));
        return "@" + s.port() + " " + f + " " + Integer.toUnsignedString(seq) + ":"
                + Integer.toUnsignedString(seq + s.length())
                + "(" + s.length() + ") ack " + Integer.toUnsignedString(s.ack() - PEER_ISN) + " win " + s.window()
                + " <" + String.join(",", o) + "> at " + seconds(s.at());
    }

    private String seconds(long nanos) {
        return String.format("+%.3fs", (nanos - 1_000_000_000L) / 1e9);
    }

    private void check(boolean ok, String message) {
        if (!ok) {
            fail(message);
        }
    }

    private void fail(String message) {
        throw new AssertionError("script line " + lineNumber + " [" + line + "]: " + message);
    }
}
