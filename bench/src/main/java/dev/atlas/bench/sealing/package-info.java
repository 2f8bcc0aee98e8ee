/**
 * {@code ./atlas bench sealing}: JMH measurements of sealing one 16 KiB TLS 1.3 AES-128-GCM record
 * per operation, GB/s on one core and bytes allocated per record, for each engine and way of
 * getting the ciphertext into the TX frame, against SunJCE on a plain {@code byte[]} in the same
 * run. May use the server's tls room through its public API.
 */
package dev.atlas.bench.sealing;
