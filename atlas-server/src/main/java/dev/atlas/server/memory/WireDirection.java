package dev.atlas.server.memory;

import dev.atlas.server.proto.EthernetHeader;
import dev.atlas.server.proto.Ipv4Header;
import dev.atlas.server.proto.TcpHeader;
import dev.atlas.server.ring.InternetChecksum;
import dev.atlas.server.ring.TxSlot;
import dev.atlas.server.ring.Wire;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One direction of a {@link MemoryWire}: does what a NIC (or the kernel's GSO) does to a TX
 * slot, applies the {@link LinkImpairment}, and queues the resulting wire frames in a bounded
 * pool until they are due. The queue is kept sorted by (due time, send order) with an insertion
 * into an index array; it is short, so that is cheaper than a heap and allocates nothing.
 */
final class WireDirection {
    private static final int ETH = EthernetHeader.LENGTH;
    private static final int TCP_FLAGS_ONLY_ON_LAST = TcpHeader.FLAG_FIN | TcpHeader.FLAG_PSH;
    private static final int TCP_FLAGS_ONLY_ON_FIRST = TcpHeader.FLAG_CWR;
    private static final int WORD_MASK = 0xFFFF;

    private final LinkImpairment impairment;
    private final WireCounters counters = new WireCounters();
    private final int maxFrame;
    private final MemorySegment[] buffers;
    private final int[] lengths;
    private final long[] due;
    private final long[] order;
    private final int[] free;
    private int freeCount;
    /** Pool indices of queued frames, sorted by (due, order). */
    private final int[] queue;

    private int queued;
    private long sendOrder;

    WireDirection(Arena arena, int mtu, int capacity, long seed) {
        this.impairment = new LinkImpairment(seed);
        this.maxFrame = ETH + mtu;
        this.buffers = new MemorySegment[capacity];
        MemorySegment pool = arena.allocate((long) maxFrame * capacity, Long.BYTES);
        for (int i = 0; i < capacity; i++) {
            buffers[i] = pool.asSlice((long) i * maxFrame, maxFrame);
        }
        this.lengths = new int[capacity];
        this.due = new long[capacity];
        this.order = new long[capacity];
        this.free = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            free[i] = capacity - 1 - i;
        }
        this.freeCount = capacity;
        this.queue = new int[capacity];
    }

    LinkImpairment impairment() {
        return impairment;
    }

    WireCounters counters() {
        return counters;
    }

    int queued() {
        return queued;
    }

    /** Puts the frame of one committed TX slot on the wire at time {@code now}. */
    void transmit(
            MemorySegment frame,
            int length,
            byte gsoType,
            int gsoSize,
            int headerLength,
            boolean needsChecksum,
            int checksumStart,
            int checksumOffset,
            long now) {
        if (gsoType != TxSlot.GSO_NONE) {
            segment(frame, length, gsoType, gsoSize, headerLength, needsChecksum, checksumStart, checksumOffset, now);
            return;
        }
        if (length > maxFrame) {
            counters.droppedOversize++;
            return;
        }
        if (needsChecksum && (checksumStart + checksumOffset + Short.BYTES > length || checksumStart > length)) {
            counters.droppedMalformedOffload++;
            return;
        }
        int b = take();
        if (b < 0) {
            return;
        }
        MemorySegment out = buffers[b];
        MemorySegment.copy(frame, 0, out, 0, length);
        if (needsChecksum) {
            // The field holds the pseudo-header sum; summing over it completes the checksum.
            long sum = InternetChecksum.sum(out, checksumStart, length - checksumStart);
            Wire.u16(out, checksumStart + checksumOffset, InternetChecksum.finish(sum));
        }
        lengths[b] = length;
        send(b, now);
    }

    private void segment(
            MemorySegment frame,
            int length,
            byte gsoType,
            int mss,
            int headerLength,
            boolean needsChecksum,
            int checksumStart,
            int checksumOffset,
            long now) {
        if (gsoType != TxSlot.GSO_TCPV4
                || !needsChecksum
                || mss <= 0
                || length < ETH + Ipv4Header.MIN_LENGTH
                || EthernetHeader.etherType(frame, 0) != EthernetHeader.ETHER_TYPE_IPV4
                || Ipv4Header.protocol(frame, ETH) != Ipv4Header.PROTOCOL_TCP) {
            counters.droppedMalformedOffload++;
            return;
        }
        int ipHeader = Ipv4Header.headerLength(frame, ETH);
        int tcp = ETH + ipHeader;
        if (tcp + TcpHeader.MIN_LENGTH > length
                || checksumStart != tcp
                || checksumOffset != TcpHeader.CHECKSUM_OFFSET
                || headerLength != tcp + TcpHeader.headerLength(frame, tcp)
                || headerLength > length) {
            counters.droppedMalformedOffload++;
            return;
        }
        if (headerLength + mss > maxFrame) {
            counters.droppedOversize++;
            return;
        }
        counters.superFramesSegmented++;
        int payload = length - headerLength;
        int superTcpLength = length - tcp;
        int pseudo = TcpHeader.checksum(frame, tcp);
        int firstSeq = TcpHeader.sequence(frame, tcp);
        int firstId = Ipv4Header.identification(frame, ETH);
        int flags = TcpHeader.flags(frame, tcp);
        int segments = payload == 0 ? 1 : (payload + mss - 1) / mss;
        for (int i = 0; i < segments; i++) {
            int b = take();
            if (b < 0) {
                return;
            }
            int at = i * mss;
            int chunk = Math.min(mss, payload - at);
            MemorySegment out = buffers[b];
            MemorySegment.copy(frame, 0, out, 0, headerLength);
            MemorySegment.copy(frame, headerLength + (long) at, out, headerLength, chunk);
            int segmentLength = headerLength + chunk;
            Ipv4Header.totalLength(out, ETH, segmentLength - ETH);
            Ipv4Header.identification(out, ETH, (firstId + i) & WORD_MASK);
            Ipv4Header.fillChecksum(out, ETH);
            TcpHeader.sequence(out, tcp, firstSeq + at);
            int segmentFlags = flags;
            if (i != segments - 1) {
                segmentFlags &= ~TCP_FLAGS_ONLY_ON_LAST;
            }
            if (i != 0) {
                segmentFlags &= ~TCP_FLAGS_ONLY_ON_FIRST;
            }
            TcpHeader.flags(out, tcp, segmentFlags);
            // As the kernel's tcp_gso_segment does: move the pseudo-header sum from the
            // super-frame's TCP length to this segment's, then complete it over header + payload.
            int segmentTcpLength = segmentLength - tcp;
            int adjusted = InternetChecksum.fold((long) pseudo + (~superTcpLength & WORD_MASK) + segmentTcpLength);
            TcpHeader.checksum(out, tcp, adjusted);
            TcpHeader.checksum(out, tcp, InternetChecksum.finish(InternetChecksum.sum(out, tcp, segmentTcpLength)));
            lengths[b] = segmentLength;
            send(b, now);
        }
    }

    private int take() {
        if (freeCount == 0) {
            counters.droppedQueueFull++;
            return -1;
        }
        return free[--freeCount];
    }

    private void release(int b) {
        free[freeCount++] = b;
    }

    private void send(int b, long now) {
        counters.framesSent++;
        counters.bytesSent += lengths[b];
        if (impairment.drawLoss()) {
            counters.lost++;
            release(b);
            return;
        }
        long when = now + impairment.delayNanos();
        if (impairment.drawDuplicate() && freeCount > 0) {
            int copy = free[--freeCount];
            MemorySegment.copy(buffers[b], 0, buffers[copy], 0, lengths[b]);
            lengths[copy] = lengths[b];
            counters.duplicated++;
            enqueue(copy, when);
        }
        if (impairment.drawReorder()) {
            counters.reordered++;
            when += impairment.reorderDelayNanos();
        }
        enqueue(b, when);
    }

    private void enqueue(int b, long when) {
        due[b] = when;
        order[b] = sendOrder++;
        int at = queued;
        // Most frames go to the end (constant delay); walk back only past later-due ones.
        while (at > 0 && due[queue[at - 1]] > when) {
            at--;
        }
        System.arraycopy(queue, at, queue, at + 1, queued - at);
        queue[at] = b;
        queued++;
    }

    /** Due time of the first queued frame, or {@link Long#MAX_VALUE} when none is queued. */
    long nextDue() {
        return queued == 0 ? Long.MAX_VALUE : due[queue[0]];
    }

    /** Moves frames due by {@code now} into the receiver, at most {@code room}; returns how many. */
    int deliver(MemoryRing receiver, long now, int room) {
        int moved = 0;
        int head = 0;
        while (head < queued && moved < room && due[queue[head]] - now <= 0) {
            int b = queue[head++];
            receiver.receive(buffers[b], lengths[b]);
            release(b);
            moved++;
        }
        if (head > 0) {
            System.arraycopy(queue, head, queue, 0, queued - head);
            queued -= head;
        }
        counters.delivered += moved;
        return moved;
    }
}
