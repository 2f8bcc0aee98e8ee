package dev.atlas.server.tls;

import java.util.Random;
import java.util.function.Supplier;

/**
 * Picks the faster sealing engine on this machine by sealing 16 KiB records with each, once its
 * speed stops rising: SunJCE's GCM intrinsics run only once the JIT has compiled its path, which
 * took more than 3,000 records here (measured after 3,000 it showed 0.4 GB/s and lost to OpenSSL,
 * against 8 GB/s once compiled). Rounds of records are sealed until two in a row are no faster
 * than the best before them (at most {@link #MAX_ROUNDS}, a second or so at start-up, once per
 * process); every lane gets the same choice. A busy machine can tip a close call either way;
 * both engines give the same bytes.
 */
final class SealerChoice {
    private static final int RECORDS_PER_ROUND = 1000;
    private static final int MAX_ROUNDS = 40;
    /** A round must beat the best so far by this much to count as still warming up. */
    private static final double STILL_RISING = 1.05;

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
        double best = 0;
        int flat = 0;
        long seq = 0;
        for (int round = 0; round < MAX_ROUNDS && flat < 2; round++) {
            final long start = System.nanoTime();
            for (int i = 0; i < RECORDS_PER_ROUND; i++) {
                sealer.seal(keys, seq++, aad, aad.length, 0, RecordFormat.MAX_PLAINTEXT);
            }
            final double rate = RECORDS_PER_ROUND / ((System.nanoTime() - start) / 1e9);
            flat = rate > best * STILL_RISING ? 0 : flat + 1;
            best = Math.max(best, rate);
        }
        return best;
    }
}
