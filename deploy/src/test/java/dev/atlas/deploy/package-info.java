/**
 * Tests of the operator files in {@code deploy/}: Prometheus rules and scrape configuration
 * (promtool and a live Prometheus), the systemd unit, the data-plane setup script, the
 * Kubernetes manifests (schema check) and the container image (Testcontainers on Podman).
 * They run the real tools against the shipped files and may use atlas-server, bench's
 * namespace helpers and the catalogue CLI; nothing here is shipped code.
 */
package dev.atlas.deploy;
