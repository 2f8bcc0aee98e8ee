/**
 * The data path end to end: the catalogue server in network namespaces against the Linux
 * kernel's TCP (curl, raw sockets), through the delay middlebox where timing matters; every
 * body byte compared with its source, the server's own counters checked.
 */
package dev.atlas.bench.datapath;
