package dev.atlas.server.tls;

import java.util.Random;
import java.util.function.Supplier;

/**
 * Picks the faster sealing engine on this machine by sealing 16 KiB records with each, after
 * enough of them for the JIT to compile SunJCE's path (some tens of milliseconds, once per
 * process); every lane gets the same choice. A busy machine can tip a close call either way;
 * both engines give the same bytes.
 */
final class SealerChoice {
    private static final int RECORDS = 400;
    /** Enough records for the JIT to compile SunJCE's GCM path (its intrinsics only run compiled). */
    private static final int WARM_UP_RECORDS = 3000;

    private static Supplier<RecordSealer> choice;
    private static String report;

    private SealerChoice() {}

    static synchronized Supplier<RecordSealer> fastest() {
        if (choice == null) {
            if (!OpenSslSealer.isAvailable()) {
                choice = SunJceSealer::new;
                report = "sunjce (libcrypto.so.3 not installed)";
            } else {
                final double sunJce = recordsPerSecond(new SunJceSealer());
                final double openSsl = recordsPerSecond(new OpenSslSealer());
                choice = openSsl > sunJce ? OpenSslSealer::new : SunJceSealer::new;
                report = String.format(
                        java.util.Locale.ROOT,
                        "%s (SunJCE %.1f GB/s, OpenSSL %.1f GB/s on 16 KiB records)",
                        openSsl > sunJce ? "openssl" : "sunjce",
                        sunJce * RecordFormat.MAX_PLAINTEXT / 1e9,
                        openSsl * RecordFormat.MAX_PLAINTEXT / 1e9);
            }
        }
        return choice;
    }

    /** What the measurement chose and why (null before the first choice). */
    static synchronized String report() {
        return report;
    }

    private static double recordsPerSecond(RecordSealer sealer) {
        final byte[] key = new byte[16];
        new Random(1).nextBytes(key);
        final TrafficKeys keys = new TrafficKeys().tls13(key, new byte[RecordFormat.NONCE_BYTES]);
        final byte[] aad = new byte[RecordFormat.HEADER_BYTES];
        for (int i = 0; i < WARM_UP_RECORDS; i++) {
            sealer.seal(keys, i, aad, aad.length, 0, RecordFormat.MAX_PLAINTEXT);
        }
        final long start = System.nanoTime();
        for (int i = 0; i < RECORDS; i++) {
            sealer.seal(keys, WARM_UP_RECORDS + i, aad, aad.length, 0, RecordFormat.MAX_PLAINTEXT);
        }
        return RECORDS / ((System.nanoTime() - start) / 1e9);
    }
}
