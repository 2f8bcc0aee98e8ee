package dev.atlas.server.tls;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The server's certificates as configured (pairs of certificate and key files), loaded and
 * checked at start, reloaded on request: every lane's next handshake uses the new store, the
 * handshakes and connections under way keep what they have. A reload that fails leaves the
 * current store in place and says why.
 */
public final class TlsCertificates {
    /** One configured certificate: the chain file and its key file. */
    public record Files(Path certificate, Path key) {
        public Files {
            Objects.requireNonNull(certificate, "certificate");
            Objects.requireNonNull(key, "key");
        }
    }

    private final List<Files> files;
    private final boolean refuseUnknownNames;
    private final Clock clock;
    private volatile CertificateStore current;
    private volatile long generation;

    /** Loads every pair (the first is the default certificate); throws {@link CertificateFailure} with one clear sentence. */
    public TlsCertificates(List<Files> files, boolean refuseUnknownNames, Clock clock) {
        if (files.isEmpty()) {
            throw new CertificateFailure("HTTPS needs at least one certificate: give --tls-cert and --tls-key.");
        }
        this.files = List.copyOf(files);
        this.refuseUnknownNames = refuseUnknownNames;
        this.clock = clock;
        this.current = load();
        this.generation = 1;
    }

    private CertificateStore load() {
        final List<ServerCertificate> loaded = new ArrayList<>();
        for (Files f : files) {
            loaded.add(PemCertificates.load(f.certificate(), f.key(), clock.instant()));
        }
        return new CertificateStore(loaded, refuseUnknownNames);
    }

    /** What handshakes starting now use. */
    public CertificateStore store() {
        return current;
    }

    /** How many times the store was (re)loaded successfully. */
    public long generation() {
        return generation;
    }

    /**
     * Reads the files again. On success new handshakes use them; on failure the current
     * certificates stay and the {@link CertificateFailure} says what is wrong.
     */
    public synchronized void reload() {
        final CertificateStore next = load();
        current = next;
        generation++;
    }
}
