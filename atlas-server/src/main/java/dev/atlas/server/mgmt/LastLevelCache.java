package dev.atlas.server.mgmt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The size of the last-level cache, from sysfs: the budget the pipeline working set must fit
 * in for data to go disk → cache → NIC without touching DRAM (DESIGN §1, §4).
 */
public final class LastLevelCache {
    /** Unified cache levels of CPU 0; the highest one present is the last level. */
    private static final Path CACHES = Path.of("/sys/devices/system/cpu/cpu0/cache");

    private static final long KIB = 1024;
    private static final long MIB = KIB * KIB;

    private LastLevelCache() {}

    /** Bytes of the last-level cache, or 0 when sysfs does not say (containers, other OSes). */
    public static long sizeBytes() {
        return sizeBytes(CACHES);
    }

    static long sizeBytes(Path caches) {
        long best = 0;
        int bestLevel = -1;
        for (int index = 0; Files.isDirectory(caches.resolve("index" + index)); index++) {
            Path dir = caches.resolve("index" + index);
            try {
                int level = Integer.parseInt(Files.readString(dir.resolve("level"), StandardCharsets.US_ASCII)
                        .trim());
                long size = parseSize(Files.readString(dir.resolve("size"), StandardCharsets.US_ASCII)
                        .trim());
                if (level > bestLevel && size > 0) {
                    bestLevel = level;
                    best = size;
                }
            } catch (IOException | NumberFormatException e) {
                // An unreadable cache description leaves the size unknown, never stops the server.
            }
        }
        return best;
    }

    /** "32768K", "8M" or a plain byte count, as sysfs writes them. */
    static long parseSize(String text) {
        if (text.isEmpty()) {
            return 0;
        }
        char unit = Character.toUpperCase(text.charAt(text.length() - 1));
        String digits = Character.isDigit(unit) ? text : text.substring(0, text.length() - 1);
        long value = Long.parseLong(digits);
        return switch (unit) {
            case 'K' -> value * KIB;
            case 'M' -> value * MIB;
            default -> Character.isDigit(unit) ? value : 0;
        };
    }
}
