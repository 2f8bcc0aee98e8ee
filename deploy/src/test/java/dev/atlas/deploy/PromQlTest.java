package dev.atlas.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The PromQL reading the live checks rely on: names outside matchers and strings, {@code bool} conditions. */
class PromQlTest {
    @Test
    void metricNamesSkipLabelsMatchersAndFunctions() {
        assertEquals(
                Set.of("atlas_tcp_retransmitted_bytes_total", "atlas_tcp_payload_sent_bytes_total"),
                PromQl.metricNames(
                        "sum by (instance, lane) (rate(atlas_tcp_retransmitted_bytes_total{reason=\"atlas_fake_total\"}[5m]))"
                                + " / sum by (instance) (rate(atlas_tcp_payload_sent_bytes_total[5m])) > 0.05"));
        assertEquals(Set.of("up"), PromQl.metricNames("up{job=\"atlas\"} == 0"));
        assertEquals(Set.of("atlas_ready"), PromQl.metricNames("label_values(atlas_ready, instance)"));
        assertEquals(
                Set.of("jvm_memory_used_bytes", "process_cpu_usage"),
                PromQl.metricNames("sum(jvm_memory_used_bytes{area=\"heap\"}) + process_cpu_usage"));
    }

    @Test
    void conditionsGetBoolAtTheTopLevelOnly() {
        assertEquals("up{job=\"atlas\"} == bool 0", PromQl.asCondition("up{job=\"atlas\"} == 0"));
        assertEquals(
                "rate(x{a!=\"b\",c=~\"d\"}[2m]) >= bool 1", PromQl.asCondition("rate(x{a!=\"b\",c=~\"d\"}[2m]) >= 1"));
        assertEquals(
                "a > bool on (instance) b\nand on (instance) b > bool 0",
                PromQl.asCondition("a > on (instance) b\nand on (instance) b > 0"));
        assertEquals("a < bool 3", PromQl.asCondition("a < bool 3"));
    }
}
