/**
 * {@code ./atlas demo}: an HLS ladder made with ffmpeg, imported into a catalogue image, served by
 * Atlas in a network namespace and played by ffmpeg from another. Touches only its own work
 * directory, the namespaces it names itself and the processes it starts.
 */
package dev.atlas.bench.demo;
