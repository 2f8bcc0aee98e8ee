package dev.atlas.catalogue;

/** Receives progress of long work (import, get, verify) in bytes; the CLI draws a bar from it. */
public interface Progress {

    /** Reports nothing. */
    Progress NONE = new Progress() {
        @Override
        public void begin(String task, long totalBytes) {}

        @Override
        public void advance(long bytes) {}

        @Override
        public void end() {}
    };

    void begin(String task, long totalBytes);

    /** After {@link #begin}: the work is {@code count} files, {@link #fileDone() counted} as they finish. */
    default void files(int count) {}

    /** One more of the {@link #files} is done. */
    default void fileDone() {}

    void advance(long bytes);

    void end();
}
