/**
 * NVMe wire formats: flyweights and descriptors for 64-byte submission and 16-byte completion
 * entries (NVMe 1.4), opcodes and status codes. Pure memory layout; touches no device or kernel.
 */
package dev.atlas.diskmap.nvme;
