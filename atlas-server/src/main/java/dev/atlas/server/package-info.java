/**
 * The appliance: lanes that join packet rings, the TCP/IP stack, HTTP/TLS and the catalogue's
 * drives ({@code ServerLane}), the server around them ({@code AtlasServer}, {@code ServeCommand}).
 * Sub-packages: ring, proto, tcp, http, storage, lane, mgmt (tls comes with HTTPS).
 */
package dev.atlas.server;
