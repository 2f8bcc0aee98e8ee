package dev.atlas.server.tls;

import dev.atlas.server.mgmt.AtlasMetrics;
import dev.atlas.server.mgmt.CounterSource;
import dev.atlas.server.mgmt.LaneMeters;
import dev.atlas.server.mgmt.MetricNames;
import java.time.Instant;
import org.bouncycastle.tls.AlertDescription;

/**
 * A lane's TLS counters as Prometheus meters: handshakes by outcome and by version and suite,
 * handshake time, sealed bytes by engine, alerts sent and received by type, records opened,
 * key updates and refused renegotiations; and, once per server, the certificates' expiry.
 */
public final class TlsMeters implements CounterSource {
    /** Handshakes completed, label {@code suite} ("TLSv1.3 TLS_AES_128_GCM_SHA256", …). */
    public static final String HANDSHAKES_BY_SUITE = "atlas_tls_handshakes_by_suite_total";
    /** Time spent from accepting a connection to its completed handshake. */
    public static final String HANDSHAKE_SECONDS = "atlas_tls_handshake_seconds_total";
    /** The longest handshake seen (gauge). */
    public static final String HANDSHAKE_MAX_SECONDS = "atlas_tls_handshake_max_seconds";

    public static final String ALERTS_SENT = "atlas_tls_alerts_sent_total";
    public static final String ALERTS_RECEIVED = "atlas_tls_alerts_received_total";
    public static final String RECORDS_OPENED = "atlas_tls_records_opened_total";
    public static final String BAD_RECORDS = "atlas_tls_bad_records_total";
    public static final String KEY_UPDATES = "atlas_tls_key_updates_total";
    public static final String RENEGOTIATIONS_REFUSED = "atlas_tls_renegotiations_refused_total";
    public static final String HANDSHAKES_DEFERRED = "atlas_tls_handshakes_deferred_total";
    /** Seconds until the first configured certificate to expire does (gauge). */
    public static final String CERTIFICATE_EXPIRY = "atlas_tls_certificate_expiry_seconds";

    public static final String CERTIFICATE_GENERATION = "atlas_tls_certificate_generation";

    /** Alerts worth a series of their own. */
    private static final short[] ALERTS = {
        AlertDescription.close_notify,
        AlertDescription.unexpected_message,
        AlertDescription.bad_record_mac,
        AlertDescription.record_overflow,
        AlertDescription.handshake_failure,
        AlertDescription.bad_certificate,
        AlertDescription.certificate_unknown,
        AlertDescription.unknown_ca,
        AlertDescription.decode_error,
        AlertDescription.decrypt_error,
        AlertDescription.protocol_version,
        AlertDescription.insufficient_security,
        AlertDescription.internal_error,
        AlertDescription.user_canceled,
        AlertDescription.no_renegotiation,
        AlertDescription.missing_extension,
        AlertDescription.unrecognized_name,
        AlertDescription.no_application_protocol,
        AlertDescription.illegal_parameter
    };

    private final TlsResponder tls;

    public TlsMeters(TlsResponder tls) {
        this.tls = tls;
    }

    @Override
    public void registerTo(LaneMeters meters) {
        final TlsCounters c = tls.counters();
        meters.counter(
                        MetricNames.TLS_HANDSHAKES,
                        "TLS handshakes by outcome.",
                        "result",
                        "ok",
                        c::handshakesCompletedTotal)
                .counter(
                        MetricNames.TLS_HANDSHAKES,
                        "TLS handshakes by outcome.",
                        "result",
                        "failed",
                        () -> c.handshakesFailed);
        for (int i = 0; i < TlsCounters.SUITE_LABELS.length; i++) {
            final int suite = i;
            meters.counter(
                    HANDSHAKES_BY_SUITE,
                    "Completed TLS handshakes by version and cipher suite.",
                    "suite",
                    TlsCounters.VERSION_LABELS[i] + " " + TlsCounters.SUITE_LABELS[i],
                    () -> c.handshakesCompleted[suite]);
        }
        meters.counter(
                        HANDSHAKE_SECONDS,
                        "Time from accepting a TLS connection to its completed handshake.",
                        () -> c.handshakeNanosTotal,
                        1e-9)
                .gauge(HANDSHAKE_MAX_SECONDS, "The longest TLS handshake seen.", () -> c.handshakeNanosMax, 1e-9)
                .counter(
                        MetricNames.SEAL_BYTES,
                        "Bytes sealed (encrypted) by TLS, by engine.",
                        "engine",
                        tls.sealer().name(),
                        () -> tls.sealer().sealedBytes())
                .counter(
                        MetricNames.COPY_BYTES,
                        "Bytes copied by software on the data path, by reason.",
                        "reason",
                        "tls_staging",
                        () -> tls.bodies().stagingCopyBytes())
                .counter(RECORDS_OPENED, "TLS records from clients decrypted and authenticated.", () -> c.recordsOpened)
                .counter(
                        "atlas_tls_requests_held_total",
                        "Records whose decrypted requests waited in the session for the HTTP side to have room"
                                + " (a client pipelining past its budget).",
                        () -> c.plaintextHeld)
                .counter(BAD_RECORDS, "TLS records from clients that failed authentication.", () -> c.badRecords)
                .counter(
                        KEY_UPDATES,
                        "TLS 1.3 KeyUpdate messages, by direction.",
                        "direction",
                        "received",
                        () -> c.keyUpdatesReceived)
                .counter(
                        KEY_UPDATES,
                        "TLS 1.3 KeyUpdate messages, by direction.",
                        "direction",
                        "sent",
                        () -> c.keyUpdatesSent)
                .counter(
                        RENEGOTIATIONS_REFUSED,
                        "TLS 1.2 renegotiation attempts refused.",
                        () -> c.renegotiationsRefused)
                .counter(
                        HANDSHAKES_DEFERRED,
                        "Handshake messages that waited for a later lane pass (handshake budget spent).",
                        () -> c.handshakesDeferred);
        for (short alert : ALERTS) {
            final String name = AlertDescription.getName(alert);
            meters.counter(ALERTS_SENT, "TLS alerts sent, by type.", "alert", name, () -> c.alertsSent[alert])
                    .counter(
                            ALERTS_RECEIVED,
                            "TLS alerts received, by type.",
                            "alert",
                            name,
                            () -> c.alertsReceived[alert]);
        }
    }

    /** The server-wide certificate meters. */
    public static void registerCertificates(AtlasMetrics metrics, TlsCertificates certificates) {
        metrics.gauge(
                CERTIFICATE_EXPIRY,
                "Seconds until the first of the served certificates expires.",
                () -> secondsToExpiry(certificates.store()));
        metrics.gauge(
                CERTIFICATE_GENERATION,
                "How many times the certificates were loaded (1 at start, +1 per reload).",
                certificates::generation);
    }

    private static long secondsToExpiry(CertificateStore store) {
        long first = Long.MAX_VALUE;
        for (ServerCertificate c : store.certificates()) {
            first = Math.min(first, c.notAfter().getEpochSecond());
        }
        return first - Instant.now().getEpochSecond();
    }

    /** {@code POST /admin/reload}'s certificate part: one line on success, the failure's sentence otherwise. */
    public static String reload(TlsCertificates certificates) {
        certificates.reload();
        final CertificateStore store = certificates.store();
        return store.certificates().size() + " certificate(s), first expiry in " + secondsToExpiry(store) / 86_400
                + " days";
    }
}
