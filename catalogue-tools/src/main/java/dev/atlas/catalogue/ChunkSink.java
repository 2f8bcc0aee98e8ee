package dev.atlas.catalogue;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Receives a file's bytes in order, one device transfer at a time (get, verify). */
@FunctionalInterface
public interface ChunkSink {

    /** {@code chunk} is valid only during the call. */
    void accept(ByteBuffer chunk) throws IOException;
}
