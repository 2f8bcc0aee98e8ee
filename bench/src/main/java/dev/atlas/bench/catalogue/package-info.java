/**
 * {@code ./atlas bench import}: the catalogue import (O_DIRECT sources, io_uring O_DIRECT device
 * writes, SHA-256, commit) against {@code dd iflag=direct oflag=direct} of the same bytes in the
 * same run. Uses catalogue-tools and runs dd.
 */
package dev.atlas.bench.catalogue;
