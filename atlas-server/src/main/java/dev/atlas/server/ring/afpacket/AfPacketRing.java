package dev.atlas.server.ring.afpacket;

import static dev.atlas.server.ring.afpacket.TpacketDescriptor.*;

import dev.atlas.server.ring.PacketRing;
import dev.atlas.server.ring.RxSlot;
import dev.atlas.server.ring.TxSlot;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The {@code af_packet} backend: a TPACKET_V2 RX ring and a TPACKET_V2 TX ring with
 * {@code PACKET_VNET_HDR}, mapped into the process, on two packet sockets bound to one interface.
 *
 * <p>RX walks the kernel's frames in place (no copy by us; the kernel copies each received frame
 * into the ring, counted in {@link #rxBytes()}). Each frame is ours as soon as the kernel has
 * written it: TPACKET_V3 hands a block over only when it is full or its retire timer (at least
 * 1 ms) fires, which put a millisecond between a lone ACK and our answer to it — a client with a
 * small receive window, which sends one window update per round trip, then got a millisecond
 * round trip instead of tens of microseconds. Our own transmissions are filtered out with
 * {@code PACKET_IGNORE_OUTGOING}. TX slots are written in place by the caller; a super-frame's
 * offload metadata goes into the slot's virtio-net header so the kernel (qdisc path, software
 * GSO on veth) or the NIC (TSO) segments it. {@link #txSync()} is the doorbell,
 * {@code sendto(fd, NULL, 0, MSG_DONTWAIT)}. The TX socket is bound with protocol 0 so it
 * never receives. {@code PACKET_LOSS} makes the kernel skip a malformed frame instead of
 * stalling the ring. Status words shared with the kernel use acquire/release.
 *
 * <p>Steady-state RX allocates nothing: a frame is handed out as an offset into the mapping.
 */
public final class AfPacketRing implements PacketRing {
    /** No PACKET_FANOUT: this ring sees every frame of the interface. */
    public static final int NO_FANOUT = -1;
    /** Largest frame a TX slot carries: a 64 KiB IPv4 datagram behind an Ethernet header. */
    public static final int MAX_SUPER_FRAME = 14 + 0xFFFF;
    /** Holds a 1514-byte Ethernet frame behind the TPACKET_V2 header and address (veth does no GRO by default). */
    private static final int RX_FRAME_SIZE = 2048;
    /** {@link #rxSync()} counts ready frames up to this many (the lane only asks whether there are any). */
    private static final int RX_SYNC_SCAN = 64;

    private static final VarHandle STATUS = ValueLayout.JAVA_INT.varHandle();
    private static final ValueLayout.OfShort HOST_U16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfInt HOST_U32 = ValueLayout.JAVA_INT;

    private final AfPacketConfig config;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment errno;
    private int rxFd = -1;
    private int txFd = -1;
    private MemorySegment rxMap = MemorySegment.NULL;
    private MemorySegment txMap = MemorySegment.NULL;

    // RX walk state (single lane thread).
    private final int rxBlocks;
    private final int rxBlockSize;
    private final int rxFrameCount;
    /** The next frame to walk, the frames walked and not yet given back, and the first of them. */
    private int rxFrame;

    private int rxPendingRelease;
    private int rxReleaseFrame;

    // TX state: positions count up forever; slot = position % txSlots.
    private final int txCount;
    private final MemorySegment[] txFrames;
    private long txCommitted;
    private long txSynced;
    private long txReaped;
    private final int slotCapacity;

    // Counters (plain fields, single writer).
    private long rxFrames;
    private long rxBytes;
    private long rxTruncated;
    private long rxOutgoingSkipped;
    private long txFramesCount;
    private long txBytesCount;
    private long txKicks;
    private long txKickErrors;
    private long txWrongFormat;

    // Kernel RX statistics: read off the lane (metrics scrapes, the stats file) and once more at
    // close, under this lock, which also keeps the RX socket open while a read is on it.
    private final Object rxStatistics = new Object();
    private final MemorySegment statsErrno;
    private final MemorySegment statsBuffer;
    private final MemorySegment statsLength;
    private long kernelRxDropsTotal;

    private AfPacketRing(AfPacketConfig config) {
        this.config = config;
        this.errno = Libc.newErrnoCapture(arena);
        this.statsErrno = Libc.newErrnoCapture(arena);
        this.statsBuffer = arena.allocate(STATS_V3_SIZE);
        this.statsLength = arena.allocate(Integer.BYTES);
        this.rxBlocks = config.rxBlockCount();
        this.rxBlockSize = config.rxBlockSize();
        this.rxFrameCount = rxBlocks * (rxBlockSize / RX_FRAME_SIZE);
        this.txCount = config.txFrameCount();
        this.txFrames = new MemorySegment[txCount];
        this.slotCapacity = txCount == 0
                ? 0
                : Math.min(
                        MAX_SUPER_FRAME,
                        config.txFrameSize() - V2_TX_DATA_OFFSET - VNET_HDR_SIZE - V2_TX_FRAME_OVERHEAD);
    }

    /** Opens the default rings on {@code interfaceName}, in fanout group {@code fanoutGroup} or {@link #NO_FANOUT}. */
    public static AfPacketRing open(String interfaceName, int fanoutGroup) {
        return open(AfPacketConfig.defaults(interfaceName).withFanoutGroup(fanoutGroup));
    }

    /** Opens rings as configured, in the calling thread's network namespace. */
    public static AfPacketRing open(AfPacketConfig config) {
        int ifindex = NetworkInterfaces.index(config.interfaceName());
        if (ifindex == 0) {
            throw new AfPacketException("no network interface named '" + config.interfaceName()
                    + "' in this network namespace (see 'ip link'; in a namespace run through 'ip netns exec')");
        }
        AfPacketRing ring = new AfPacketRing(config);
        try {
            if (config.rxBlockCount() > 0) {
                ring.openRx(ifindex);
            }
            if (config.txFrameCount() > 0) {
                ring.openTx(ifindex);
            }
            return ring;
        } catch (RuntimeException e) {
            ring.close();
            throw e;
        }
    }

    private void openRx(int ifindex) {
        // Protocol 0 until the ring exists, so no frame queues up before it; bind turns capture on.
        rxFd = socket("RX");
        setInt(rxFd, PACKET_VERSION, TPACKET_V2, "PACKET_VERSION V2");
        setInt(rxFd, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
        MemorySegment req = arena.allocate(REQ_SIZE);
        req.set(HOST_U32, REQ_BLOCK_SIZE, rxBlockSize);
        req.set(HOST_U32, REQ_BLOCK_NR, rxBlocks);
        req.set(HOST_U32, REQ_FRAME_SIZE, RX_FRAME_SIZE);
        req.set(HOST_U32, REQ_FRAME_NR, rxFrameCount);
        setOption(rxFd, PACKET_RX_RING, req, REQ_SIZE, "PACKET_RX_RING");
        long size = (long) rxBlockSize * rxBlocks;
        if (size > Integer.MAX_VALUE) {
            // Frames are handed out as int offsets into the mapping.
            throw new AfPacketException(
                    "an RX ring of " + size + " bytes is too large; keep blocks × block size under 2 GiB");
        }
        rxMap = map(rxFd, size, "RX");
        bindTo(rxFd, ifindex, Libc.ETH_P_ALL);
        if (config.fanoutGroup() != NO_FANOUT) {
            setInt(
                    rxFd,
                    PACKET_FANOUT,
                    config.fanoutGroup() | (PACKET_FANOUT_HASH << FANOUT_TYPE_SHIFT),
                    "PACKET_FANOUT");
        }
    }

    private void openTx(int ifindex) {
        txFd = socket("TX");
        setInt(txFd, PACKET_VERSION, TPACKET_V2, "PACKET_VERSION V2");
        // The virtio-net header must be switched on before the ring is created.
        setInt(txFd, PACKET_VNET_HDR, 1, "PACKET_VNET_HDR");
        setInt(txFd, PACKET_LOSS, 1, "PACKET_LOSS");
        if (config.qdiscBypass()) {
            setInt(txFd, PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS");
        }
        MemorySegment req = arena.allocate(REQ_SIZE);
        req.set(HOST_U32, REQ_BLOCK_SIZE, config.txFrameSize());
        req.set(HOST_U32, REQ_BLOCK_NR, txCount);
        req.set(HOST_U32, REQ_FRAME_SIZE, config.txFrameSize());
        req.set(HOST_U32, REQ_FRAME_NR, txCount);
        setOption(txFd, PACKET_TX_RING, req, REQ_SIZE, "PACKET_TX_RING");
        txMap = map(txFd, (long) config.txFrameSize() * txCount, "TX");
        bindTo(txFd, ifindex, 0);
        for (int i = 0; i < txCount; i++) {
            long frame = (long) i * config.txFrameSize();
            txFrames[i] = txMap.asSlice(frame + V2_TX_DATA_OFFSET + VNET_HDR_SIZE, slotCapacity);
        }
    }

    private int socket(String role) {
        int fd = Libc.socket(errno, Libc.AF_PACKET, Libc.SOCK_RAW, 0);
        if (fd < 0) {
            throw new AfPacketException("cannot open the " + role + " AF_PACKET socket for " + config.interfaceName()
                    + ": " + Libc.strerror(Libc.errno(errno)) + " (run as root or with CAP_NET_RAW)");
        }
        return fd;
    }

    private void setInt(int fd, int option, int value, String what) {
        MemorySegment v = arena.allocate(Integer.BYTES);
        v.set(HOST_U32, 0, value);
        setOption(fd, option, v, Integer.BYTES, what);
    }

    private void setOption(int fd, int option, MemorySegment value, int length, String what) {
        if (Libc.setsockopt(errno, fd, Libc.SOL_PACKET, option, value, length) < 0) {
            throw new AfPacketException("setting " + what + " on the AF_PACKET socket for " + config.interfaceName()
                    + " failed: " + Libc.strerror(Libc.errno(errno)));
        }
    }

    private MemorySegment map(int fd, long size, String role) {
        MemorySegment m = Libc.mmap(errno, size, Libc.PROT_READ_WRITE, Libc.MAP_SHARED | Libc.MAP_POPULATE, fd);
        if (m.address() == -1L) {
            throw new AfPacketException("cannot map the " + role + " ring (" + size + " bytes) of "
                    + config.interfaceName() + ": " + Libc.strerror(Libc.errno(errno)) + " (check memory limits)");
        }
        return m.reinterpret(size);
    }

    private void bindTo(int fd, int ifindex, int protocol) {
        MemorySegment sll = arena.allocate(SLL_SIZE);
        sll.set(HOST_U16, SLL_FAMILY, (short) Libc.AF_PACKET);
        sll.set(HOST_U16, SLL_PROTOCOL, (short) Libc.htons(protocol));
        sll.set(HOST_U32, SLL_IFINDEX, ifindex);
        if (Libc.bind(errno, fd, sll, SLL_SIZE) < 0) {
            throw new AfPacketException("cannot bind the AF_PACKET socket to " + config.interfaceName() + ": "
                    + Libc.strerror(Libc.errno(errno)));
        }
    }

    @Override
    public int slotCapacity() {
        return slotCapacity;
    }

    @Override
    public int txSlots() {
        return txCount;
    }

    // ---------------------------------------------------------------- RX

    /** Frames are contiguous: a block holds a whole number of them. */
    private static long frameBase(int frame) {
        return (long) frame * RX_FRAME_SIZE;
    }

    private boolean frameReady(int frame) {
        return ((int) STATUS.getAcquire(rxMap, frameBase(frame) + V2_STATUS) & TP_STATUS_USER) != 0;
    }

    @Override
    public int rxSync() {
        int ready = 0;
        int frame = rxFrame;
        while (ready < RX_SYNC_SCAN && rxPendingRelease + ready < rxFrameCount && frameReady(frame)) {
            ready++;
            frame = frame + 1 == rxFrameCount ? 0 : frame + 1;
        }
        return ready;
    }

    @Override
    public boolean rxNext(RxSlot slot) {
        while (rxPendingRelease < rxFrameCount && frameReady(rxFrame)) {
            final long header = frameBase(rxFrame);
            rxFrame = rxFrame + 1 == rxFrameCount ? 0 : rxFrame + 1;
            rxPendingRelease++;
            if (Byte.toUnsignedInt(rxMap.get(ValueLayout.JAVA_BYTE, header + V2_SLL_PKTTYPE)) == PACKET_OUTGOING) {
                rxOutgoingSkipped++;
                continue;
            }
            int status = rxMap.get(HOST_U32, header + V2_STATUS);
            int snaplen = rxMap.get(HOST_U32, header + V2_SNAPLEN);
            int wireLength = rxMap.get(HOST_U32, header + V2_LEN);
            long mac = header + Short.toUnsignedInt(rxMap.get(HOST_U16, header + V2_MAC));
            if (snaplen < wireLength) {
                rxTruncated++;
            }
            int flags = 0;
            if ((status & TP_STATUS_CSUMNOTREADY) != 0) {
                flags |= RxSlot.FLAG_CSUM_NOT_READY;
            }
            if ((status & TP_STATUS_CSUM_VALID) != 0) {
                flags |= RxSlot.FLAG_CSUM_VALID;
            }
            slot.set(rxMap, (int) mac, snaplen, flags);
            rxFrames++;
            rxBytes += snaplen;
            return true;
        }
        return false;
    }

    @Override
    public void rxRelease() {
        while (rxPendingRelease > 0) {
            STATUS.setRelease(rxMap, frameBase(rxReleaseFrame) + V2_STATUS, TP_STATUS_KERNEL);
            rxReleaseFrame = rxReleaseFrame + 1 == rxFrameCount ? 0 : rxReleaseFrame + 1;
            rxPendingRelease--;
        }
    }

    // ---------------------------------------------------------------- TX

    private long txHeader(long position) {
        return (position % txCount) * (long) config.txFrameSize();
    }

    @Override
    public boolean txClaim(TxSlot slot) {
        if (txCount == 0 || txCommitted - txReaped >= txCount) {
            return false;
        }
        long header = txHeader(txCommitted);
        if ((int) STATUS.getAcquire(txMap, header + V2_STATUS) != TP_STATUS_AVAILABLE) {
            return false;
        }
        int index = (int) (txCommitted % txCount);
        slot.claim(txFrames[index], index);
        return true;
    }

    @Override
    public void txCommit(TxSlot slot) {
        long header = txHeader(txCommitted);
        long vnet = header + V2_TX_DATA_OFFSET;
        boolean gso = slot.gsoType() != TxSlot.GSO_NONE;
        txMap.set(ValueLayout.JAVA_BYTE, vnet + VNET_FLAGS, (byte)
                (slot.needsChecksum() ? VIRTIO_NET_HDR_F_NEEDS_CSUM : 0));
        txMap.set(ValueLayout.JAVA_BYTE, vnet + VNET_GSO_TYPE, slot.gsoType());
        txMap.set(HOST_U16, vnet + VNET_HDR_LEN, (short) (gso ? slot.headerLength() : 0));
        txMap.set(HOST_U16, vnet + VNET_GSO_SIZE, (short) (gso ? slot.gsoSize() : 0));
        txMap.set(HOST_U16, vnet + VNET_CSUM_START, (short) (slot.needsChecksum() ? slot.checksumStart() : 0));
        txMap.set(HOST_U16, vnet + VNET_CSUM_OFFSET, (short) (slot.needsChecksum() ? slot.checksumOffset() : 0));
        txMap.set(HOST_U32, header + V2_LEN, VNET_HDR_SIZE + slot.length());
        STATUS.setRelease(txMap, header + V2_STATUS, TP_STATUS_SEND_REQUEST);
        txCommitted++;
        txFramesCount++;
        txBytesCount += slot.length();
    }

    @Override
    public int txSync() {
        int handed = (int) (txCommitted - txSynced);
        if (handed == 0) {
            return 0;
        }
        txKicks++;
        if (Libc.kick(txFd, Libc.MSG_DONTWAIT) < 0) {
            // EAGAIN/ENOBUFS: the frames stay SEND_REQUEST and go out with the next kick.
            txKickErrors++;
        }
        txSynced = txCommitted;
        return handed;
    }

    @Override
    public int txReap() {
        int freed = 0;
        while (txReaped < txSynced) {
            long header = txHeader(txReaped);
            int status = (int) STATUS.getAcquire(txMap, header + V2_STATUS);
            if (status == TP_STATUS_WRONG_FORMAT) {
                txWrongFormat++;
                STATUS.setRelease(txMap, header + V2_STATUS, TP_STATUS_AVAILABLE);
            } else if (status != TP_STATUS_AVAILABLE) {
                break;
            }
            txReaped++;
            freed++;
        }
        return freed;
    }

    // ---------------------------------------------------------------- counters

    /** Frames walked on RX. */
    public long rxFrames() {
        return rxFrames;
    }

    /** Bytes received; the kernel copied each of them into the ring (our one RX copy, done in the kernel). */
    public long rxBytes() {
        return rxBytes;
    }

    /** Frames longer than the ring's space for them (only the head was captured). */
    public long rxTruncated() {
        return rxTruncated;
    }

    public long rxOutgoingSkipped() {
        return rxOutgoingSkipped;
    }

    /** Frames committed on TX (super-frames count once). */
    public long txFrames() {
        return txFramesCount;
    }

    /** Bytes committed on TX, written in place by the caller: no copy by the backend. */
    public long txBytes() {
        return txBytesCount;
    }

    public long txKicks() {
        return txKicks;
    }

    /** Doorbells that returned an error (EAGAIN, ENOBUFS); the frames are retried by the next one. */
    public long txKickErrors() {
        return txKickErrors;
    }

    public long txWrongFormat() {
        return txWrongFormat;
    }

    /**
     * Frames the kernel dropped because the RX ring was full, since the ring was opened. The
     * kernel resets its {@code PACKET_STATISTICS} counters on every read, so each read is added
     * to a running total, whichever thread reads (a metrics scrape, the stats file, the final
     * read at {@link #close}); after close the total stays readable. Not for the hot path.
     */
    public long kernelRxDrops() {
        synchronized (rxStatistics) {
            readKernelStatistics();
            return kernelRxDropsTotal;
        }
    }

    /** Adds the kernel's drops since its last read to the total; the caller holds {@link #rxStatistics}. */
    private void readKernelStatistics() {
        if (rxFd < 0) {
            return;
        }
        statsLength.set(HOST_U32, 0, STATS_V3_SIZE);
        if (Libc.getsockopt(statsErrno, rxFd, Libc.SOL_PACKET, PACKET_STATISTICS, statsBuffer, statsLength) == 0) {
            kernelRxDropsTotal += Integer.toUnsignedLong(statsBuffer.get(HOST_U32, STATS_DROPS));
        }
    }

    @Override
    public String name() {
        return "af_packet:" + config.interfaceName();
    }

    @Override
    public void close() {
        if (rxMap.address() != 0) {
            Libc.munmap(errno, rxMap, rxMap.byteSize());
            rxMap = MemorySegment.NULL;
        }
        if (txMap.address() != 0) {
            Libc.munmap(errno, txMap, txMap.byteSize());
            txMap = MemorySegment.NULL;
        }
        synchronized (rxStatistics) {
            if (rxFd >= 0) {
                readKernelStatistics(); // the drops since the last read would be lost with the socket
                Libc.close(errno, rxFd);
                rxFd = -1;
            }
        }
        if (txFd >= 0) {
            Libc.close(errno, txFd);
            txFd = -1;
        }
    }
}
