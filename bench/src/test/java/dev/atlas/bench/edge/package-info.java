/**
 * The edge under unusual and hostile clients, through namespaces with the kernel's TCP as the
 * client: tiny receive windows, slow request heads, many idle keep-alive connections.
 */
package dev.atlas.bench.edge;
