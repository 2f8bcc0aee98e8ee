/**
 * HTTP/1.1 on the data path: an incremental, allocation-free request parser over per-connection
 * buffers, byte ranges, dates and response heads written into send buffers. Pure code: may use
 * the catalogue's types, never rings, TCP state or threads.
 */
package dev.atlas.server.http;
