package dev.atlas.server.storage;

/**
 * How much of the drive's address space one connection may have in memory at once: at most
 * {@code chunksPerConnection} chunks staged or being read, each read by one drive command of at
 * most {@code recordsPerRead} records.
 */
public record ChunkBudget(int chunksPerConnection, int recordsPerRead) {
    public ChunkBudget {
        if (chunksPerConnection < 1) {
            throw new IllegalArgumentException("chunks per connection must be at least 1, not " + chunksPerConnection);
        }
        if (recordsPerRead < 1 || recordsPerRead > ChunkLayout.MAX_RECORDS_PER_READ) {
            throw new IllegalArgumentException("records per read must be between 1 and "
                    + ChunkLayout.MAX_RECORDS_PER_READ + ", not " + recordsPerRead);
        }
    }
}
