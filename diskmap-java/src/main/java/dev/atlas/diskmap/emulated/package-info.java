/**
 * The emulated NVMe controller: a Java model that consumes the driver's raw SQ/CQ memory, backed
 * by an image file, with seeded fault injection. Touches its image, its queues and registered memory.
 */
package dev.atlas.diskmap.emulated;
