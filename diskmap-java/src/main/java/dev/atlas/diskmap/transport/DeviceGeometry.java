package dev.atlas.diskmap.transport;

/**
 * Size and limits of an NVMe namespace as the driver needs them.
 *
 * @param blockSize        logical block size in bytes (512 or 4096)
 * @param blockCount       number of logical blocks in the namespace
 * @param maxTransferBytes largest single command (MDTS); larger requests are split
 * @param namespaceId      NSID commands carry
 */
public record DeviceGeometry(int blockSize, long blockCount, int maxTransferBytes, int namespaceId) {

    public DeviceGeometry {
        if (Integer.bitCount(blockSize) != 1 || blockSize < 512) {
            throw new IllegalArgumentException("block size must be a power of two ≥ 512: " + blockSize);
        }
        if (blockCount <= 0) {
            throw new IllegalArgumentException("device has no blocks");
        }
        if (maxTransferBytes < blockSize || maxTransferBytes % blockSize != 0) {
            throw new IllegalArgumentException(
                    "transfer limit " + maxTransferBytes + " is not a multiple of the block size " + blockSize);
        }
    }

    public long capacityBytes() {
        return blockSize * blockCount;
    }
}
