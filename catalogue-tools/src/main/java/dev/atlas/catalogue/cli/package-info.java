/**
 * The {@code atlas-catalogue} command line (picocli): one class per command, progress bars,
 * operator-facing errors and exit codes. Uses only the public catalogue library.
 */
package dev.atlas.catalogue.cli;
