/**
 * The appliance: lanes that join packet rings, the TCP/IP stack, HTTP/TLS and the catalogue.
 * Sub-packages: ring, proto, tcp, http, tls, lane, mgmt.
 */
package dev.atlas.server;
