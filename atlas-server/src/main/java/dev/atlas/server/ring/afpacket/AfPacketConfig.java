package dev.atlas.server.ring.afpacket;

/**
 * Shape of one {@link AfPacketRing}. A zero {@code rxBlockCount} opens no RX ring and a zero
 * {@code txFrameCount} no TX ring (the middlebox receives on one port and sends on another).
 *
 * @param interfaceName  the interface to bind, in the calling thread's network namespace
 * @param rxBlockSize    bytes per RX ring block, cut into 2 KiB frames (a power of two, multiple of the page size)
 * @param rxBlockCount   blocks in the RX ring
 * @param txFrameSize    bytes per TPACKET_V2 TX frame: must hold a 64 KiB super-frame plus headers
 * @param txFrameCount   TX frames (slots)
 * @param fanoutGroup    PACKET_FANOUT_HASH group id (0..65535) shared by a lane's rings, or
 *                       {@link AfPacketRing#NO_FANOUT}
 * @param qdiscBypass    PACKET_QDISC_BYPASS: only for devices with real TSO; on veth it drops
 *                       every frame that needs software GSO
 */
public record AfPacketConfig(
        String interfaceName,
        int rxBlockSize,
        int rxBlockCount,
        int txFrameSize,
        int txFrameCount,
        int fanoutGroup,
        boolean qdiscBypass) {
    public static final int DEFAULT_RX_BLOCK_SIZE = 1 << 20;
    public static final int DEFAULT_RX_BLOCK_COUNT = 8;
    /** 64 KiB is too small for a maximal super-frame plus virtio-net and ring headers (FACTS). */
    public static final int DEFAULT_TX_FRAME_SIZE = 128 * 1024;

    public static final int DEFAULT_TX_FRAME_COUNT = 128;

    public AfPacketConfig {
        if (rxBlockCount > 0 && (Integer.bitCount(rxBlockSize) != 1 || rxBlockSize < 4096)) {
            throw new IllegalArgumentException(
                    "RX block size must be a power of two of at least 4096, not " + rxBlockSize);
        }
        if (txFrameCount > 0 && (txFrameSize % 4096 != 0)) {
            throw new IllegalArgumentException("TX frame size must be a multiple of 4096, not " + txFrameSize);
        }
        if (fanoutGroup != AfPacketRing.NO_FANOUT && (fanoutGroup < 0 || fanoutGroup > 0xFFFF)) {
            throw new IllegalArgumentException("fanout group must be 0..65535, not " + fanoutGroup);
        }
    }

    /** Defaults for a server lane on {@code interfaceName}: 8 MiB RX, 128 × 128 KiB TX, no fanout. */
    public static AfPacketConfig defaults(String interfaceName) {
        return new AfPacketConfig(
                interfaceName,
                DEFAULT_RX_BLOCK_SIZE,
                DEFAULT_RX_BLOCK_COUNT,
                DEFAULT_TX_FRAME_SIZE,
                DEFAULT_TX_FRAME_COUNT,
                AfPacketRing.NO_FANOUT,
                false);
    }

    public AfPacketConfig withFanoutGroup(int group) {
        return new AfPacketConfig(
                interfaceName, rxBlockSize, rxBlockCount, txFrameSize, txFrameCount, group, qdiscBypass);
    }

    public AfPacketConfig withRx(int blockSize, int blockCount) {
        return new AfPacketConfig(
                interfaceName, blockSize, blockCount, txFrameSize, txFrameCount, fanoutGroup, qdiscBypass);
    }

    public AfPacketConfig withTx(int frameSize, int frameCount) {
        return new AfPacketConfig(
                interfaceName, rxBlockSize, rxBlockCount, frameSize, frameCount, fanoutGroup, qdiscBypass);
    }

    public AfPacketConfig withQdiscBypass(boolean bypass) {
        return new AfPacketConfig(
                interfaceName, rxBlockSize, rxBlockCount, txFrameSize, txFrameCount, fanoutGroup, bypass);
    }
}
